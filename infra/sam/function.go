package sam

import (
	"fmt"
	"sort"
	"strconv"
)

// Function is an AWS::Serverless::Function with Globals.Function merged in.
// Values that may hold intrinsic functions (Environment, event properties)
// are left unresolved.
type Function struct {
	LogicalID     string
	CodeURI       string
	Handler       string
	Runtime       string
	Architectures []string
	MemorySize    int // MB
	Timeout       int // seconds
	BuildMethod   string
	// Environment holds Environment.Variables, unresolved.
	Environment map[string]any
	// Events are sorted by name.
	Events []Event
	// Properties are all the merged properties, unresolved.
	Properties map[string]any
}

// Event is one entry of a function's Events.
type Event struct {
	Name       string
	Type       string
	Properties map[string]any
}

// Functions returns the template's functions sorted by logical id, each with
// Globals.Function merged in the way SAM merges them: maps are merged key by
// key, lists are concatenated (globals first) and scalars of the resource
// win.
func (t *Template) Functions() ([]Function, error) {
	globals := asMap(t.Globals["Function"])
	var fns []Function
	for _, id := range t.LogicalIDs(FunctionType) {
		r := t.Resources[id]
		props, _ := merge(globals, r.Properties).(map[string]any)
		f := Function{
			LogicalID:     id,
			CodeURI:       str(props["CodeUri"]),
			Handler:       str(props["Handler"]),
			Runtime:       str(props["Runtime"]),
			Architectures: strs(props["Architectures"]),
			MemorySize:    128,
			Timeout:       3,
			BuildMethod:   str(r.Metadata["BuildMethod"]),
			Environment:   asMap(asMap(props["Environment"])["Variables"]),
			Properties:    props,
		}
		if v, ok := props["MemorySize"]; ok {
			n, err := integer(v)
			if err != nil {
				return nil, fmt.Errorf("function %s MemorySize: %w", id, err)
			}
			f.MemorySize = n
		}
		if v, ok := props["Timeout"]; ok {
			n, err := integer(v)
			if err != nil {
				return nil, fmt.Errorf("function %s Timeout: %w", id, err)
			}
			f.Timeout = n
		}
		for name, e := range asMap(props["Events"]) {
			em := asMap(e)
			typ := str(em["Type"])
			if typ == "" {
				return nil, fmt.Errorf("function %s event %s has no Type", id, name)
			}
			f.Events = append(f.Events, Event{Name: name, Type: typ, Properties: asMap(em["Properties"])})
		}
		sort.Slice(f.Events, func(i, j int) bool { return f.Events[i].Name < f.Events[j].Name })
		fns = append(fns, f)
	}
	return fns, nil
}

// Function returns the function with the given logical id.
func (t *Template) Function(logicalID string) (Function, error) {
	fns, err := t.Functions()
	if err != nil {
		return Function{}, err
	}
	for _, f := range fns {
		if f.LogicalID == logicalID {
			return f, nil
		}
	}
	return Function{}, fmt.Errorf("function %s: not in template", logicalID)
}

// merge merges override into base as SAM merges Globals into a resource.
func merge(base, override any) any {
	bm, bok := base.(map[string]any)
	om, ook := override.(map[string]any)
	if bok && ook && !isIntrinsic(bm) && !isIntrinsic(om) {
		out := make(map[string]any, len(bm)+len(om))
		for k, v := range bm {
			out[k] = v
		}
		for k, v := range om {
			if b, ok := out[k]; ok {
				out[k] = merge(b, v)
			} else {
				out[k] = v
			}
		}
		return out
	}
	bl, blok := base.([]any)
	ol, olok := override.([]any)
	if blok && olok {
		out := append([]any{}, bl...)
		return append(out, ol...)
	}
	if override == nil && base != nil {
		return base
	}
	return override
}

// isIntrinsic reports whether m is a single-key intrinsic function map.
func isIntrinsic(m map[string]any) bool {
	if len(m) != 1 {
		return false
	}
	for k := range m {
		return k == "Ref" || k == "Condition" || len(k) > 4 && k[:4] == "Fn::"
	}
	return false
}

func str(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case nil:
		return ""
	default:
		return fmt.Sprint(s)
	}
}

func strs(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		out = append(out, str(x))
	}
	return out
}

func integer(v any) (int, error) {
	switch n := v.(type) {
	case int:
		return n, nil
	case float64:
		return int(n), nil
	case string:
		i, err := strconv.Atoi(n)
		if err != nil {
			return 0, fmt.Errorf("parse %q as integer: %w", n, err)
		}
		return i, nil
	}
	return 0, fmt.Errorf("%v is a %T, want an integer", v, v)
}
