package listings

import (
	"os"
	"reflect"
	"testing"
)

// TestMarshalDecodesStrictly checks the contract between the writer and the
// strict decoder: every good fixture, written by Marshal, decodes again
// without errors to the same File.
func TestMarshalDecodesStrictly(t *testing.T) {
	for _, file := range yamlFiles(t, os.DirFS("testdata/good"), "listings") {
		t.Run(file, func(t *testing.T) {
			data, err := os.ReadFile("testdata/good/" + file)
			if err != nil {
				t.Fatal(err)
			}
			var f File
			d := newDecoder(file)
			d.decodeFile(data, &f)
			if len(d.errs) > 0 {
				t.Fatalf("fixture errors: %v", d.errs)
			}
			out, err := Marshal(&f)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			var again File
			d = newDecoder(file)
			d.decodeFile(out, &again)
			if len(d.errs) > 0 {
				t.Fatalf("Marshal output does not decode strictly: %v\n%s", d.errs, out)
			}
			if !reflect.DeepEqual(f, again) {
				t.Errorf("round trip changed the file:\n got %+v\nwant %+v", again, f)
			}
		})
	}
}
