// Command trivy-db-from-osv builds a Trivy vulnerability database (schema 2: trivy.db + metadata.json)
// from the OSV records of the Go vulnerability database (the golang.org/x/vulndb module's data/osv),
// with trivy-db's own packages, so that `trivy image --skip-db-update --offline-scan` can detect
// vulnerable Go modules and Go standard libraries in Go binaries on a machine that cannot download
// Trivy's published database.
//
// It writes the advisories into the buckets Trivy reads for Go binaries ("go::The Go Vulnerability
// Database") through trivy-db's OSV importer. Trivy's published database takes third-party Go modules
// from GitHub's advisories and only stdlib and golang.org/x/* from the Go database; no GitHub data is
// available here, so by default every Go-ecosystem record is written (-scope=all); -scope=upstream keeps
// the published database's split. The Go database carries no CVSS or severity, so every finding of this
// database has severity UNKNOWN (the vulnerability bucket gets no severity from another source).
//
//	trivy-db-from-osv -vulndb DIR -cache-dir DIR [-updated-at RFC3339] [-scope all|upstream]
//
// The result is <cache-dir>/db/{trivy.db,metadata.json}, replaced atomically.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/aquasecurity/trivy-db/pkg/db"
	"github.com/aquasecurity/trivy-db/pkg/ecosystem"
	"github.com/aquasecurity/trivy-db/pkg/metadata"
	"github.com/aquasecurity/trivy-db/pkg/types"
	"github.com/aquasecurity/trivy-db/pkg/vulndb"
	"github.com/aquasecurity/trivy-db/pkg/vulnsrc"
	"github.com/aquasecurity/trivy-db/pkg/vulnsrc/govulndb"
	"github.com/aquasecurity/trivy-db/pkg/vulnsrc/osv"
	"github.com/aquasecurity/trivy-db/pkg/vulnsrc/vulnerability"
)

// goSource is trivy-db's Go vulnerability database source without the stdlib/golang.org/x filter.
type goSource struct{}

func (goSource) Name() types.SourceID { return vulnerability.GoVulnDB }

func (goSource) Update(root string) error {
	sources := map[ecosystem.Type]types.DataSource{
		ecosystem.Go: {ID: vulnerability.GoVulnDB, Name: "The Go Vulnerability Database", URL: "https://pkg.go.dev/vuln/"},
	}
	dir := filepath.Join("govulndb", "data", "osv")
	return osv.New(dir, vulnerability.GoVulnDB, sources, osv.WithTransformer(allModules{})).Update(root)
}

// allModules keeps every Go module advisory plus stdlib; the "toolchain" pseudo-module (the go command
// itself) is never linked into a binary, so it is left out as in Trivy's database.
type allModules struct{}

func (allModules) PostParseAffected(adv osv.Advisory, affected osv.Affected) (osv.Advisory, error) {
	seenOS, seenArch := map[string]bool{}, map[string]bool{}
	adv.OSes, adv.Arches = nil, nil
	for _, imp := range affected.EcosystemSpecific.Imports {
		for _, goos := range imp.GOOS {
			if !seenOS[goos] {
				seenOS[goos] = true
				adv.OSes = append(adv.OSes, goos)
			}
		}
		for _, arch := range imp.GOARCH {
			if !seenArch[arch] {
				seenArch[arch] = true
				adv.Arches = append(adv.Arches, arch)
			}
		}
	}
	return adv, nil
}

func (allModules) TransformAdvisories(advs []osv.Advisory, entry osv.Entry) ([]osv.Advisory, error) {
	var specific struct {
		URL string `json:"url"`
	}
	if len(entry.DatabaseSpecific) > 0 {
		if err := json.Unmarshal(entry.DatabaseSpecific, &specific); err != nil {
			return nil, fmt.Errorf("%s: database_specific: %w", entry.ID, err)
		}
	}
	kept := advs[:0]
	for _, adv := range advs {
		if adv.PkgName == "toolchain" {
			continue
		}
		if specific.URL != "" {
			adv.References = append(adv.References, specific.URL)
		}
		kept = append(kept, adv)
	}
	return kept, nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "trivy-db-from-osv:", err)
		os.Exit(1)
	}
}

func run() error {
	vulndbDir := flag.String("vulndb", "", "root of the golang.org/x/vulndb module (holds data/osv/GO-*.json)")
	cacheDir := flag.String("cache-dir", "", "Trivy cache directory; the database goes to <cache-dir>/db")
	updatedAt := flag.String("updated-at", "", "RFC 3339 time written as the database's UpdatedAt (default: the newest record file's time)")
	scope := flag.String("scope", "all", "all: every Go module; upstream: only stdlib and golang.org/x/* as Trivy's published DB")
	flag.Parse()
	if *vulndbDir == "" || *cacheDir == "" {
		flag.Usage()
		return errors.New("-vulndb and -cache-dir are required")
	}
	osvDir := filepath.Join(*vulndbDir, "data", "osv")
	records, err := filepath.Glob(filepath.Join(osvDir, "GO-*.json"))
	if err != nil || len(records) == 0 {
		return fmt.Errorf("no GO-*.json records in %s", osvDir)
	}

	when, err := updateTime(*updatedAt, records)
	if err != nil {
		return err
	}

	var src vulnsrc.VulnSrc
	switch *scope {
	case "all":
		src = goSource{}
	case "upstream":
		src = govulndb.NewVulnSrc()
	default:
		return fmt.Errorf("-scope must be all or upstream, not %q", *scope)
	}

	// trivy-db's sources read <root>/govulndb/data/osv: point <root>/govulndb at the module.
	work, err := os.MkdirTemp(*cacheDir, ".trivy-db-build-")
	if err != nil {
		if err = os.MkdirAll(*cacheDir, 0o755); err != nil {
			return err
		}
		if work, err = os.MkdirTemp(*cacheDir, ".trivy-db-build-"); err != nil {
			return err
		}
	}
	defer os.RemoveAll(work)
	absVulndb, err := filepath.Abs(*vulndbDir)
	if err != nil {
		return err
	}
	if err := os.Symlink(absVulndb, filepath.Join(work, "govulndb")); err != nil {
		return err
	}
	out := filepath.Join(work, "db")

	start := time.Now()
	if err := db.Init(out); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	tdb := vulndb.New(work, out, 24*time.Hour,
		vulndb.WithClock(clocktesting.NewFakeClock(when)),
		vulndb.WithVulnSrcs(map[types.SourceID]vulnsrc.VulnSrc{src.Name(): src}))
	if err := tdb.Build([]string{string(src.Name())}); err != nil {
		_ = db.Close()
		return fmt.Errorf("build: %w", err)
	}
	if err := db.Close(); err != nil {
		return err
	}
	// Trivy treats a zero DownloadedAt as a possibly corrupted download; record when it was built.
	mc := metadata.NewClient(out)
	meta, err := mc.Get()
	if err != nil {
		return err
	}
	meta.DownloadedAt = time.Now().UTC()
	if err := mc.Update(meta); err != nil {
		return err
	}
	advisories, pkgs, err := count(db.Path(out))
	if err != nil {
		return err
	}
	if advisories == 0 {
		return errors.New("the database holds no Go advisories: refusing to install it")
	}

	final := filepath.Join(*cacheDir, "db")
	old := filepath.Join(work, "previous-db")
	if err := os.Rename(final, old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.Rename(out, final); err != nil {
		return err
	}
	fmt.Printf("trivy-db-from-osv: %d OSV records -> %d advisories for %d Go packages in %s (schema %d, updated %s, %.1fs)\n",
		len(records), advisories, pkgs, final, meta.Version, meta.UpdatedAt.Format(time.RFC3339), time.Since(start).Seconds())
	return nil
}

// updateTime is the explicit -updated-at or the newest modification time among the records.
func updateTime(explicit string, records []string) (time.Time, error) {
	if explicit != "" {
		t, err := time.Parse(time.RFC3339, explicit)
		if err != nil {
			return time.Time{}, fmt.Errorf("-updated-at: %w", err)
		}
		return t.UTC(), nil
	}
	var newest time.Time
	for _, r := range records {
		info, err := os.Stat(r)
		if err != nil {
			return time.Time{}, err
		}
		if info.ModTime().After(newest) {
			newest = info.ModTime()
		}
	}
	return newest.UTC(), nil
}

// count returns the number of (advisory, package) pairs and packages in the Go buckets.
func count(path string) (advisories, pkgs int, err error) {
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		return 0, 0, err
	}
	defer bdb.Close()
	err = bdb.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if !strings.HasPrefix(string(name), "go::") {
				return nil
			}
			return b.ForEach(func(k, v []byte) error {
				if v != nil {
					return nil
				}
				pkgs++
				return b.Bucket(k).ForEach(func(_, _ []byte) error { advisories++; return nil })
			})
		})
	})
	return advisories, pkgs, err
}
