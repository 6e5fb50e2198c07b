import { detectHealthcheckCommand, detectPort, findNonStringVersionVar, listenAddressPort, type SourceFile } from './detect';
import { tokenizeGo } from './go-tokens';

const file = (body: string, path = 'main.go'): SourceFile => ({ path, ...tokenizeGo(`package main\n\n${body}\n`) });

describe('tokenizeGo', () => {
  it('reads literals, skips comments and counts lines across raw strings and block comments', () => {
    const { tokens } = tokenizeGo('package main\n/* a\nb */\nvar s = `x\ny` // ":1234"\nvar n = 0x1F + 1.5e3\nvar r = \'"\'\nvar q = "a\\"b\\n"\n');
    const strings = tokens.filter((t) => t.kind === 'string').map((t) => [t.value, t.line]);
    expect(strings).toEqual([
      ['x\ny', 4],
      ['a"b\n', 8],
    ]);
    expect(tokens.filter((t) => t.kind === 'int' || t.kind === 'float').map((t) => [t.kind, t.text])).toEqual([
      ['int', '0x1F'],
      ['float', '1.5e3'],
    ]);
    expect(tokens.find((t) => t.text === 'n')?.line).toBe(6);
  });

  it('inserts semicolons at line ends as Go does', () => {
    const { tokens } = tokenizeGo('package main\nfunc f() {\n\treturn\n}\n');
    expect(tokens.map((t) => (t.kind === 'semi' ? ';' : t.text)).join(' ')).toBe('package main ; func f ( ) { return ; } ;');
  });

  it('collects //go:embed patterns', () => {
    const { embeds } = tokenizeGo('package main\n\n//go:embed static/*.css "with space.txt" `raw.txt` all:templates\nvar fs embed.FS\n// go:embed not-a-directive\n');
    expect(embeds).toEqual([{ patterns: ['static/*.css', 'with space.txt', 'raw.txt', 'all:templates'], line: 3 }]);
  });
});

describe('detectPort', () => {
  it.each([
    ['http.ListenAndServe(":9090", nil)', 9090, 'listen'],
    ['http.ListenAndServeTLS("0.0.0.0:8443", "c", "k", nil)', 8443, 'listen'],
    ['lis, _ := net.Listen("tcp", ":50051")', 50051, 'listen'],
    ['srv := &http.Server{Addr: ":8081"}', 8081, 'listen'],
    ['r.Run(":3000")', 3000, 'listen'],
    ['port := os.Getenv("PORT")\nif port == "" {\n\tport = "8000"\n}', 8000, 'env'],
    ['addr := envOr("HTTP_PORT", 7000)', 7000, 'env'],
    ['p, ok := os.LookupEnv("PORT")\nif !ok { p = ":4000" }', 4000, 'env'],
    ['type Config struct {\n\tPort int `env:"PORT" envDefault:"3001"`\n}', 3001, 'env'],
    ['type Config struct {\n\tPort int `envconfig:"PORT" default:"3002"`\n}', 3002, 'env'],
    ['var port = flag.Int("port", 7001, "listen port")', 7001, 'flag'],
    ['flag.StringVar(&addr, "http-port", "7002", "")', 7002, 'flag'],
    ['const DefaultPort = 7070', 7070, 'const'],
    ['const (\n\tdefaultHTTPPort = 7071\n)', 7071, 'const'],
    ['var addr = ":6060"', 6060, 'address'],
  ])('%s → %d (%s rule)', (code, port, rule) => {
    const result = detectPort([file(code)]);
    expect(result.port).toBe(port);
    expect(result.chosen?.rule).toBe(rule);
  });

  it.each([
    ['redis.NewClient(&redis.Options{Addr: "localhost:6379"})'],
    ['db := os.Getenv("DB_PORT")\nif db == "" { db = "5432" }'],
    ['const dbPort = 5432'],
    ['srv := &http.Server{Addr: ":" + port}'],
    ['dial("127.0.0.1:9000")'],
    ['// http.ListenAndServe(":9999", nil)'],
    ['log.Println("PORT")\nfunc other() { x := "1234" }'],
    ['http.ListenAndServe(":99999", nil)'],
  ])('finds nothing in %s', (code) => {
    expect(detectPort([file(code)]).port).toBeUndefined();
  });

  it('prefers the listen rule, then earlier files, and lists the other ports found', () => {
    const config = file('const DefaultPort = 7070', 'internal/config/config.go');
    const main = file('func main() {\n\tgo http.ListenAndServe(":8081", nil)\n\tnet.Listen("tcp", ":50051")\n}');
    const result = detectPort([main, config]);
    expect(result.chosen).toEqual({ port: 8081, rule: 'listen', where: 'main.go:4' });
    expect(result.candidates.map((candidate) => [candidate.port, candidate.rule])).toEqual([
      [8081, 'listen'],
      [50051, 'listen'],
      [7070, 'const'],
    ]);
  });

  it.each([
    [':8080', true, 8080],
    ['[::]:8080', true, 8080],
    ['localhost:8080', true, 8080],
    ['localhost:8080', false, undefined],
    ['db:5432', true, undefined],
    [':0', true, undefined],
  ])('listenAddressPort(%j, loopback=%p) → %p', (value, loopback, port) => {
    expect(listenAddressPort(value, loopback)).toBe(port);
  });
});

describe('detectHealthcheckCommand', () => {
  it.each([
    ['if len(os.Args) > 1 && os.Args[1] == "healthcheck" {\n\tos.Exit(probe())\n}'],
    ['if "healthcheck" == os.Args[1] {\n}'],
    ['if flag.Arg(0) == "healthcheck" {\n}'],
    ['func run(args []string) error {\n\tif args[1] != "healthcheck" {\n\t\treturn serve()\n\t}\n\treturn probe()\n}'],
    ['switch os.Args[1] {\ncase "healthcheck":\n\tprobe()\n}'],
    ['func run(args []string) {\n\tcommand := ""\n\tif len(args) > 1 {\n\t\tcommand = args[1]\n\t}\n\tswitch command {\n\tcase "", "healthcheck":\n\t}\n}'],
    ['func main() {\n\tcmd := os.Args[1]\n\tswitch {\n\tcase cmd == "healthcheck":\n\t}\n}'],
    ['var healthCmd = &cobra.Command{\n\tUse:   "healthcheck",\n\tShort: "probe",\n}'],
  ])('finds it in %s', (code) => {
    expect(detectHealthcheckCommand([file(code)]).found).toBe(true);
  });

  it.each([
    ['log.Println("healthcheck")'],
    ['if name == "healthcheck" {\n}'],
    ['var probe = flag.Bool("healthcheck", false, "probe and exit")'],
    ['// os.Args[1] == "healthcheck"'],
    ['switch r.URL.Path {\ncase "healthcheck":\n}'],
    ['func f(args []string) {\n\tswitch mode {\n\tcase "x":\n\t\t_ = args\n\t}\n\tlog.Print("healthcheck")\n}'],
  ])('does not find it in %s', (code) => {
    expect(detectHealthcheckCommand([file(code)]).found).toBe(false);
  });

  it('says where', () => {
    expect(detectHealthcheckCommand([file('func main() {\n\tif os.Args[1] == "healthcheck" {\n\t}\n}', 'cmd/x/main.go')])).toEqual({
      found: true,
      where: 'cmd/x/main.go:4',
    });
  });
});

describe('findNonStringVersionVar', () => {
  it.each([
    ['var version int', 'main.go:3'],
    ['var version = 3', 'main.go:3'],
    ['var (\n\tversion = 2.0\n)', 'main.go:4'],
    ['var (\n\tcommit string\n\tversion []byte\n)', 'main.go:5'],
    ['var version string', undefined],
    ['var version = "dev"', undefined],
    ['var (\n\tversion = "dev"\n\tcommit  = "none"\n)', undefined],
    ['const version = 3', undefined],
    ['func f() {\n\tvar version int\n\t_ = version\n}', undefined],
    ['var version = buildinfo()', undefined],
  ])('%s → %p', (code, where) => {
    expect(findNonStringVersionVar([file(code)])).toBe(where);
  });
});
