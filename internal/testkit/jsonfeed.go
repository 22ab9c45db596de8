package testkit

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// JSONFeedSchema compiles the JSON Feed 1.0 and 1.1 schemas of
// ../shared/schemas (formats asserted), skipping the test where they are
// absent.
func JSONFeedSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	shared := SharedDir(t)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for _, name := range []string{"jsonfeed-1.0.schema.json", "jsonfeed-1.1.schema.json"} {
		r, err := os.Open(filepath.Join(shared, "schemas", name))
		if err != nil {
			t.Skipf("JSON Feed schema missing in ../shared: %v", err)
		}
		doc, err := jsonschema.UnmarshalJSON(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		id, _ := doc.(map[string]any)["id"].(string)
		if err := c.AddResource(id, doc); err != nil {
			t.Fatal(err)
		}
	}
	sch, err := c.Compile("https://json.schemastore.org/feed.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}
