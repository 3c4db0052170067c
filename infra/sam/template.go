// Package sam reads an AWS SAM template (template.yaml) the way the local
// runner needs it: parameters with their defaults, resources, Globals.Function
// merged into every function, and the CloudFormation intrinsic functions
// (short YAML tags such as !Ref and long forms such as Fn::GetAtt) kept as
// data, to be resolved later by a Resolver.
package sam

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Template is a parsed SAM template. Values keep their intrinsic functions as
// single-key maps ({"Ref": "Table"}, {"Fn::GetAtt": ["Table", "Arn"]}).
type Template struct {
	Parameters map[string]Parameter
	Mappings   map[string]any
	Conditions map[string]any
	Globals    map[string]any
	Resources  map[string]Resource
	Outputs    map[string]any
}

// Parameter is one entry of the template's Parameters section.
type Parameter struct {
	Type    string
	Default any
}

// Resource is one entry of the template's Resources section.
type Resource struct {
	Type       string
	Properties map[string]any
	Metadata   map[string]any
	Condition  string
}

// FunctionType is the resource type of a SAM function.
const FunctionType = "AWS::Serverless::Function"

// Load reads and parses the template at path.
func Load(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	t, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("parse template %s: %w", path, err)
	}
	return t, nil
}

// Parse parses a SAM template from YAML (JSON is YAML too).
func Parse(data []byte) (*Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("decode yaml: %w", err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("decode yaml: empty document")
	}
	v, err := value(doc.Content[0])
	if err != nil {
		return nil, err
	}
	root, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("template is a %T, want a mapping", v)
	}
	t := &Template{
		Parameters: map[string]Parameter{},
		Mappings:   asMap(root["Mappings"]),
		Conditions: asMap(root["Conditions"]),
		Globals:    asMap(root["Globals"]),
		Resources:  map[string]Resource{},
		Outputs:    asMap(root["Outputs"]),
	}
	for name, p := range asMap(root["Parameters"]) {
		pm := asMap(p)
		typ, _ := pm["Type"].(string)
		t.Parameters[name] = Parameter{Type: typ, Default: pm["Default"]}
	}
	for id, r := range asMap(root["Resources"]) {
		rm, ok := r.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("resource %s is a %T, want a mapping", id, r)
		}
		typ, _ := rm["Type"].(string)
		if typ == "" {
			return nil, fmt.Errorf("resource %s has no Type", id)
		}
		cond, _ := rm["Condition"].(string)
		t.Resources[id] = Resource{
			Type:       typ,
			Properties: asMap(rm["Properties"]),
			Metadata:   asMap(rm["Metadata"]),
			Condition:  cond,
		}
	}
	return t, nil
}

// LogicalIDs returns the logical ids of the resources of type typ (all
// resources when typ is empty), sorted.
func (t *Template) LogicalIDs(typ string) []string {
	var ids []string
	for id, r := range t.Resources {
		if typ == "" || r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// value converts a YAML node into plain Go values, turning CloudFormation
// short-form tags into their long-form single-key maps.
func value(n *yaml.Node) (any, error) {
	if n.Kind == yaml.AliasNode {
		return value(n.Alias)
	}
	tag := n.Tag
	if strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!") {
		return intrinsic(n)
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Tag == "!!merge" {
				continue
			}
			v, err := value(n.Content[i+1])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k.Value, err)
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for i, c := range n.Content {
			v, err := value(c)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			s = append(s, v)
		}
		return s, nil
	case yaml.ScalarNode:
		return scalar(n), nil
	}
	return nil, fmt.Errorf("line %d: unexpected yaml node kind %d", n.Line, n.Kind)
}

func scalar(n *yaml.Node) any {
	switch n.Tag {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err == nil {
			return b
		}
	case "!!int":
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return int(i)
		}
	case "!!float":
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return f
		}
	}
	return n.Value
}

// intrinsic turns a short-form tag (!Ref, !GetAtt, !Sub …) into the long form.
func intrinsic(n *yaml.Node) (any, error) {
	name := strings.TrimPrefix(n.Tag, "!")
	// Decode the node's content without its tag.
	inner := *n
	inner.Tag = ""
	switch n.Kind {
	case yaml.ScalarNode:
		inner.Tag = "!!str"
	case yaml.MappingNode:
		inner.Tag = "!!map"
	case yaml.SequenceNode:
		inner.Tag = "!!seq"
	}
	v, err := value(&inner)
	if err != nil {
		return nil, fmt.Errorf("!%s: %w", name, err)
	}
	switch name {
	case "Ref":
		return map[string]any{"Ref": v}, nil
	case "Condition":
		return map[string]any{"Condition": v}, nil
	case "GetAtt":
		if s, ok := v.(string); ok {
			res, attr, found := strings.Cut(s, ".")
			if !found {
				return nil, fmt.Errorf("line %d: !GetAtt %q: want Resource.Attribute", n.Line, s)
			}
			return map[string]any{"Fn::GetAtt": []any{res, attr}}, nil
		}
		return map[string]any{"Fn::GetAtt": v}, nil
	default:
		return map[string]any{"Fn::" + name: v}, nil
	}
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	if m == nil {
		return map[string]any{}
	}
	return m
}
