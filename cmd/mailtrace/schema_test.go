package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/invopop/jsonschema"
	validator "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/mailtrace/mailtrace/analyzer"
	"github.com/mailtrace/mailtrace/analyzer/clickhouse"
	"github.com/mailtrace/mailtrace/analyzer/journey"
	"github.com/mailtrace/mailtrace/analyzer/render"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/sink"
	"github.com/mailtrace/mailtrace/reassembly"
)

// schemaFile is the published contract of mailtrace's JSON (JSON Schema
// 2020-12): the --json document, and under $defs a --jsonl line ("line":
// a session's, a DNS lookup's or a journey's). Its version is
// render.JSONVersion's; a change of meaning bumps both.
const schemaFile = "../../docs/schema/mailtrace-v3.json"

const schemaID = "https://github.com/mailtrace/mailtrace/docs/schema/mailtrace-v3.json"

// defName names a type's definition by its package and name
// ("session.Session", "compare.Session"): names alone collide.
func defName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Name() == "" || t.PkgPath() == "" {
		return t.Name()
	}
	return path.Base(t.PkgPath()) + "." + t.Name()
}

// makeSchema reflects the schema from the types the JSON is written
// from, with their Go comments as descriptions.
func makeSchema(t *testing.T) []byte {
	r := &jsonschema.Reflector{Anonymous: true, Namer: defName,
		// A message's kept body, which its MarshalJSON adds (--full).
		AdditionalFields: func(t reflect.Type) []reflect.StructField {
			if t == reflect.TypeOf(session.Message{}) {
				return []reflect.StructField{{Name: "Body", Type: reflect.TypeOf([]string{}),
					Tag: `json:"body,omitempty" jsonschema:"description=With --full: the message's kept lines."`}}
			}
			return nil
		}}
	// The comments are read from the module's root, where their
	// packages' paths begin.
	wd, _ := os.Getwd()
	if err := os.Chdir("../.."); err != nil {
		t.Fatal(err)
	}
	err := r.AddGoComments("github.com/mailtrace/mailtrace", "./analyzer")
	os.Chdir(wd)
	if err != nil {
		t.Fatal(err)
	}
	doc := r.Reflect(&render.Document{})
	nullable(doc.Definitions, reflect.TypeOf(render.Document{}), map[reflect.Type]bool{})
	// A --jsonl line is one of three, told by its "type".
	line := &jsonschema.Schema{Description: "A line of --jsonl: the format's version, the line's type, and what it is."}
	for _, l := range []struct {
		v    any
		kind string
	}{{&render.SessionLine{}, render.LineSession}, {&render.DNSLine{}, render.LineDNS}, {&render.JourneyLine{}, render.LineJourney}} {
		s := r.Reflect(l.v)
		for name, def := range s.Definitions {
			doc.Definitions[name] = def
		}
		typ := reflect.TypeOf(l.v).Elem()
		nullable(doc.Definitions, typ, map[reflect.Type]bool{})
		if p, ok := doc.Definitions[defName(typ)].Properties.Get("type"); ok {
			p.Const = l.kind
		}
		line.OneOf = append(line.OneOf, &jsonschema.Schema{Ref: "#/$defs/" + defName(typ)})
	}
	doc.Definitions["line"] = line
	// ClickHouse's rows as JSONEachRow sends them, by table, described
	// by their columns.
	for _, tb := range clickhouse.Tables() {
		v := clickhouse.RowTypes()[tb.Name]
		s := r.Reflect(v)
		for name, def := range s.Definitions {
			doc.Definitions[name] = def
		}
		nullable(doc.Definitions, reflect.TypeOf(v), map[reflect.Type]bool{})
		def := doc.Definitions[defName(reflect.TypeOf(v))]
		def.Description = "A row of the ClickHouse table " + tb.Name + ": " + tb.Doc + "."
		for _, c := range tb.Columns {
			if p, ok := def.Properties.Get(c.Name); ok && c.Doc != "" {
				p.Description = c.Doc
			}
		}
		doc.Definitions["clickhouse."+tb.Name] = &jsonschema.Schema{Ref: "#/$defs/" + defName(reflect.TypeOf(v))}
	}
	doc.ID = schemaID
	doc.Title = "mailtrace JSON, version 3"
	doc.Description = "The document read --json writes; $defs/line is a line of read --jsonl; $defs/clickhouse.TABLE a row sent to ClickHouse."
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

// nullable lets the properties of struct t, and of the structs it
// holds, be null where encoding/json writes null: pointers, slices and
// maps without omitempty.
func nullable(defs jsonschema.Definitions, t reflect.Type, seen map[reflect.Type]bool) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map || t.Kind() == reflect.Array {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] || t.PkgPath() == "time" {
		return
	}
	seen[t] = true
	def := defs[defName(t)]
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		nullable(defs, f.Type, seen)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || f.Anonymous || def == nil || def.Properties == nil {
			continue
		}
		if name == "" {
			name = f.Name
		}
		switch f.Type.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map:
			if strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero") {
				continue
			}
			if p, ok := def.Properties.Get(name); ok {
				def.Properties.Set(name, &jsonschema.Schema{Description: p.Description,
					AnyOf: []*jsonschema.Schema{withoutDescription(p), {Type: "null"}}})
			}
		}
	}
}

func withoutDescription(s *jsonschema.Schema) *jsonschema.Schema {
	c := *s
	c.Description = ""
	return &c
}

// TestSchemaIsCurrent: the published schema is the one the types give
// (go test -run TestSchema -update writes it).
func TestSchemaIsCurrent(t *testing.T) {
	got := makeSchema(t)
	if *update {
		if err := os.WriteFile(schemaFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(schemaFile)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("%s is not what the types give (%v): go test ./cmd/mailtrace -run TestSchemaIsCurrent -update", schemaFile, err)
	}
}

// TestOutputsMatchTheSchema: the --json and --jsonl output of every
// sample and public capture validates against the published schema, read
// by another library than the one that wrote it.
func TestOutputsMatchTheSchema(t *testing.T) {
	c := publishedSchema(t)
	const id = schemaID
	document, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	line, err := c.Compile(id + "#/$defs/line")
	if err != nil {
		t.Fatal(err)
	}
	captures := samples(t)
	public, _ := filepath.Glob("../../../shared/captures/public/*.pcap*") // when present
	captures = append(captures, public...)
	for _, path := range captures {
		name := filepath.Base(path)
		out, _, err := runCLI(t, nil, "read", "--json", "--full", "--tls-keylog", "../../samples/tls-keylog.keys", path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		v, err := validator.UnmarshalJSON(strings.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		if err := document.Validate(v); err != nil {
			t.Errorf("%s --json: %v", name, err)
		}
		out, _, _ = runCLI(t, nil, "read", "--jsonl", path)
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			if l == "" {
				continue
			}
			v, err := validator.UnmarshalJSON(strings.NewReader(l))
			if err != nil {
				t.Fatal(err)
			}
			if err := line.Validate(v); err != nil {
				t.Errorf("%s --jsonl: %v", name, err)
				break
			}
		}
	}
}

// publishedSchema is a compiler that holds the published schema, read by
// another library than the one that wrote it.
func publishedSchema(t *testing.T) *validator.Compiler {
	c := validator.NewCompiler()
	doc, err := validator.UnmarshalJSON(bytes.NewReader(mustReadFile(t, schemaFile)))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource(schemaID, doc); err != nil {
		t.Fatal(err)
	}
	return c
}

func mustReadFile(t *testing.T, path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEveryFieldDocumented: every field the schema holds is in the
// README's JSON shape, with what it means.
func TestEveryFieldDocumented(t *testing.T) {
	readme := string(mustReadFile(t, "../../README.md"))
	start := strings.Index(readme, "## JSON format")
	end := strings.Index(readme[start+1:], "\n## ")
	if start < 0 || end < 0 {
		t.Fatal("the README has no JSON format section")
	}
	shape := readme[start : start+1+end]
	var doc struct {
		Defs map[string]struct {
			Properties map[string]json.RawMessage
		} `json:"$defs"`
	}
	if err := json.Unmarshal(mustReadFile(t, schemaFile), &doc); err != nil {
		t.Fatal(err)
	}
	for name, def := range doc.Defs {
		if strings.HasPrefix(name, "clickhouse.") {
			continue // a column each, with its comment (mailtrace clickhouse schema, docs/clickhouse.md)
		}
		for field := range def.Properties {
			if !strings.Contains(shape, `"`+field+`"`) {
				t.Errorf("%s.%s is not in the README's JSON format", name, field)
			}
		}
	}
}

// TestClickHouseRowsMatchTheSchema: every row of every table the samples
// give, as it is sent to ClickHouse (JSONEachRow), validates against the
// schema's clickhouse.TABLE.
func TestClickHouseRowsMatchTheSchema(t *testing.T) {
	c := publishedSchema(t)
	var err error
	tables := map[string]*validator.Schema{}
	for _, tb := range clickhouse.Tables() {
		if tables[tb.Name], err = c.Compile(schemaID + "#/$defs/clickhouse." + tb.Name); err != nil {
			t.Fatal(err)
		}
	}
	rows := 0
	for _, path := range samples(t) {
		j := journey.New()
		var ss []*session.Session
		tr := analyzer.NewTracker(analyzer.DefaultOptions(), sink.Multi(j, sink.Ended(func(s *session.Session) { ss = append(ss, s) })))
		if _, err := reassembly.NewReader(reassembly.DefaultOptions(), tr, nil).ReadAll(context.Background(), []reassembly.Input{{Path: path}}); err != nil {
			t.Fatal(err)
		}
		tr.Finish()
		trace := clickhouse.Trace{Sensor: "test", ID: "t"}
		var all []clickhouse.Row
		for _, s := range ss {
			all = append(all, clickhouse.SessionRows(trace, s)...)
		}
		all = append(all, clickhouse.JourneyRows(trace, j.Journeys(), func(int) string { return "u" })...)
		for _, r := range all {
			b, err := json.Marshal(r.Data)
			if err != nil {
				t.Fatal(err)
			}
			v, err := validator.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if err := tables[r.Table].Validate(v); err != nil {
				t.Errorf("%s, a %s row: %v", filepath.Base(path), r.Table, err)
				return
			}
			rows++
		}
	}
	if rows < 500 {
		t.Errorf("%d rows checked; the samples give more", rows)
	}
}
