// Command grype-db-from-osv builds a Grype vulnerability database (schema v6, SQLite) from the OSV
// records of the Go vulnerability database (the golang.org/x/vulndb module's data/osv), with Grype's own
// database-build packages (github.com/anchore/grype/grype/db: the same processors, OSV "GO-" strategy,
// v6 writer and archiver Grype's published database is built with), then packages it as an archive
// `grype db import` accepts.
//
// The records are laid out as a vunnel provider workspace named "govulndb" (metadata.json, results/ with
// one envelope per record, listing.xxh64) written with grype's provider.WorkspaceWriter, so nothing
// in the build path is ours except the layout. The Go database carries no CVSS or severity, and no NVD
// data is available here to fill it in, so every finding of this database has severity "Unknown".
//
//	grype-db-from-osv -vulndb DIR -out DIR [-captured RFC3339]
//
// The result is <out>/vulnerability.db, <out>/import.json, <out>/vulnerability-db_v6.*.tar.gz and
// <out>/latest.json; the archive is what `grype db import` takes.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	grypedb "github.com/anchore/grype/grype/db"
	"github.com/anchore/grype/grype/db/provider"
	v6 "github.com/anchore/grype/grype/db/v6"
	v6build "github.com/anchore/grype/grype/db/v6/build"
)

const (
	providerName = "govulndb"
	// The processors pick a record's parser from the major version of the schema URL's OSV segment.
	osvSchemaURL   = "https://raw.githubusercontent.com/anchore/vunnel/main/schema/vulnerability/osv/schema-1.6.1.json"
	stateSchemaURL = "https://raw.githubusercontent.com/anchore/vunnel/main/schema/provider-workspace-state/schema-1.0.2.json"
)

type envelope struct {
	Schema     string          `json:"schema"`
	Identifier string          `json:"identifier"`
	Item       json.RawMessage `json:"item"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "grype-db-from-osv:", err)
		os.Exit(1)
	}
}

func run() error {
	vulndbDir := flag.String("vulndb", "", "root of the golang.org/x/vulndb module (holds data/osv/GO-*.json)")
	outDir := flag.String("out", "", "output directory (replaced): vulnerability.db, import.json and the archive")
	captured := flag.String("captured", "", "RFC 3339 time the data was captured, recorded as the provider's date (default: now)")
	flag.Parse()
	if *vulndbDir == "" || *outDir == "" {
		flag.Usage()
		return errors.New("-vulndb and -out are required")
	}
	when := time.Now().UTC()
	if *captured != "" {
		t, err := time.Parse(time.RFC3339, *captured)
		if err != nil {
			return fmt.Errorf("-captured: %w", err)
		}
		when = t.UTC()
	}

	records, err := filepath.Glob(filepath.Join(*vulndbDir, "data", "osv", "GO-*.json"))
	if err != nil || len(records) == 0 {
		return fmt.Errorf("no GO-*.json records in %s", filepath.Join(*vulndbDir, "data", "osv"))
	}
	sort.Strings(records)

	parent := filepath.Dir(filepath.Clean(*outDir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	work, err := os.MkdirTemp(parent, ".grype-db-build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	start := time.Now()
	state, err := writeWorkspace(filepath.Join(work, "workspace"), records, when)
	if err != nil {
		return fmt.Errorf("workspace: %w", err)
	}

	build := filepath.Join(work, "db")
	if err := os.MkdirAll(build, 0o755); err != nil {
		return err
	}
	err = grypedb.Build(grypedb.BuildConfig{
		SchemaVersion: v6.ModelVersion,
		Directory:     build,
		States:        provider.States{*state},
		Timestamp:     when,
		Hydrate:       true,
	})
	if err != nil {
		return fmt.Errorf("build: %w", err)
	}
	if err := v6build.CreateArchive(build, "tar.gz", nil); err != nil {
		return fmt.Errorf("archive: %w", err)
	}

	if err := os.RemoveAll(*outDir); err != nil {
		return err
	}
	if err := os.Rename(build, *outDir); err != nil {
		return err
	}
	archives, _ := filepath.Glob(filepath.Join(*outDir, "vulnerability-db_*.tar.gz"))
	if len(archives) != 1 {
		return fmt.Errorf("expected one archive in %s, found %d", *outDir, len(archives))
	}
	fmt.Printf("grype-db-from-osv: %d OSV records -> %s (schema v%d, %.1fs)\n",
		len(records), archives[0], v6.ModelVersion, time.Since(start).Seconds())
	return nil
}

// writeWorkspace lays the records out as a vunnel "flat-file" provider workspace and reads its state back
// with grype's own reader.
func writeWorkspace(root string, records []string, when time.Time) (*provider.State, error) {
	w := provider.NewWorkspaceWriter(root, providerName)
	var files []provider.File
	for _, path := range records {
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		var head struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(raw, &head); err != nil || head.ID == "" {
			return nil, fmt.Errorf("%s: not an OSV record (%v)", path, err)
		}
		body, err := json.Marshal(envelope{Schema: osvSchemaURL, Identifier: providerName + ":" + strings.ToLower(head.ID), Item: raw})
		if err != nil {
			return nil, err
		}
		f, err := w.WriteResult(head.ID+".json", body)
		if err != nil {
			return nil, err
		}
		files = append(files, *f)
	}
	if err := w.WriteListing(files); err != nil {
		return nil, err
	}
	listing, err := provider.HashFileXXH64(w.ListingPath())
	if err != nil {
		return nil, err
	}
	err = w.WriteState(provider.State{
		Provider:  providerName,
		Version:   1,
		Processor: "grype-db-from-osv",
		Schema:    provider.Schema{Version: "1.0.2", URL: stateSchemaURL},
		Timestamp: when,
		Listing:   &provider.File{Path: "results/listing.xxh64", Digest: listing, Algorithm: "xxh64"},
		Store:     "flat-file",
	})
	if err != nil {
		return nil, err
	}
	return provider.ReadState(filepath.Join(w.Path(), "metadata.json"))
}
