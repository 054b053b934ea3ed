package listings

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Verify returns listing file data with service serviceID's last_verified
// set to day (a date), and its verified_by set to by when by is not
// empty, changing nothing else: the keys are edited in the file's node
// tree, so comments, order and every other line stay as they were, and a
// key the service did not have is added where `trellis fmt` would put it.
// It returns an error when data is not a listing file, the file has no
// service serviceID, or by is more than one line.
func Verify(data []byte, serviceID string, day time.Time, by string) ([]byte, error) {
	if strings.ContainsAny(by, "\r\n") {
		return nil, fmt.Errorf("listings: verify: verified_by must be one line")
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("listings: verify: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("listings: verify: not a listing file (its top is not a mapping)")
	}
	svcs := mapValue(doc.Content[0], "services")
	if svcs == nil || svcs.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("listings: verify: the file has no services")
	}
	var svc *yaml.Node
	var ids []string
	for _, s := range svcs.Content {
		if s.Kind != yaml.MappingNode {
			continue
		}
		if id := mapValue(s, "id"); id != nil {
			ids = append(ids, id.Value)
			if id.Value == serviceID {
				svc = s
			}
		}
	}
	if svc == nil {
		return nil, fmt.Errorf("listings: verify: no service %q in the file (it has %s)", serviceID, strings.Join(ids, ", "))
	}
	setKey(svc, "last_verified", strNode(day.Format(time.DateOnly)))
	if by = strings.TrimSpace(by); by != "" {
		setKey(svc, "verified_by", strNode(by))
	}
	out, err := encodeDoc(&doc)
	if err != nil {
		return nil, err
	}
	if bytes.Equal(out, data) {
		return data, nil
	}
	return out, nil
}

// mapValue returns the value of key in mapping m, or nil.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// serviceKeys are a service's keys in canonical order.
var serviceKeys = func() []string {
	var ks []string
	for _, f := range fieldsOf(reflect.TypeOf(Service{})) {
		ks = append(ks, f.key)
	}
	return ks
}()

// setKey sets key in service mapping m to v, keeping the comments of an
// existing value, or inserts it before the first key that comes after it
// in canonical order.
func setKey(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			old := m.Content[i+1]
			v.LineComment, v.HeadComment, v.FootComment = old.LineComment, old.HeadComment, old.FootComment
			m.Content[i+1] = v
			return
		}
	}
	rank := slices.Index(serviceKeys, key)
	at := len(m.Content)
	for i := 0; i+1 < len(m.Content); i += 2 {
		if r := slices.Index(serviceKeys, m.Content[i].Value); r > rank {
			at = i
			break
		}
	}
	k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}
	m.Content = slices.Insert(m.Content, at, k, v)
}
