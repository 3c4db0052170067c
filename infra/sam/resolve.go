package sam

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Pseudo parameters the local runner answers with.
const (
	Region    = "us-east-1"
	AccountID = "123456789012"
	URLSuffix = "amazonaws.com"
	Partition = "aws"
)

// Values is what a resource answers to !Ref and !GetAtt.
type Values struct {
	Ref   string
	Attrs map[string]string
}

// Resolver evaluates intrinsic functions against parameter values and the
// physical names of resources.
type Resolver struct {
	// Params holds parameter and pseudo-parameter values: strings, or []any
	// for list parameters.
	Params map[string]any
	// Resources maps a logical id to what it answers to !Ref and !GetAtt.
	Resources map[string]Values
	mappings  map[string]any
	condDefs  map[string]any
	conds     map[string]bool
}

// noValue is what AWS::NoValue resolves to; maps and lists drop it.
type noValue struct{}

// NewResolver returns a resolver for t's parameters, with their defaults
// replaced by overrides, and the pseudo parameters of a local stack named
// stackName. Resources is left empty for the caller to fill in.
func NewResolver(t *Template, overrides map[string]string, stackName string) (*Resolver, error) {
	r := &Resolver{
		Params: map[string]any{
			"AWS::Region":    Region,
			"AWS::AccountId": AccountID,
			"AWS::URLSuffix": URLSuffix,
			"AWS::Partition": Partition,
			"AWS::StackName": stackName,
			"AWS::StackId":   fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/local", Region, AccountID, stackName),
			"AWS::NoValue":   noValue{},
		},
		Resources: map[string]Values{},
		mappings:  t.Mappings,
		condDefs:  t.Conditions,
		conds:     map[string]bool{},
	}
	for name := range overrides {
		if _, ok := t.Parameters[name]; !ok {
			return nil, fmt.Errorf("override parameter %s: not in template", name)
		}
	}
	for name, p := range t.Parameters {
		v, ok := overrides[name]
		var val any = v
		if !ok {
			if p.Default == nil {
				return nil, fmt.Errorf("parameter %s: no default and no value given", name)
			}
			val = p.Default
		}
		if strings.HasPrefix(p.Type, "List<") || p.Type == "CommaDelimitedList" {
			if s, ok := val.(string); ok {
				var l []any
				for _, x := range strings.Split(s, ",") {
					l = append(l, strings.TrimSpace(x))
				}
				val = l
			}
		} else if _, isStr := val.(string); !isStr {
			val = fmt.Sprint(val)
		}
		r.Params[name] = val
	}
	return r, nil
}

// Resolve returns v with every intrinsic function evaluated.
func (r *Resolver) Resolve(v any) (any, error) {
	out, err := r.resolve(v)
	if err != nil {
		return nil, err
	}
	if _, ok := out.(noValue); ok {
		return nil, nil
	}
	return out, nil
}

// String resolves v and renders the result as a string (numbers and
// booleans as CloudFormation renders them).
func (r *Resolver) String(v any) (string, error) {
	out, err := r.Resolve(v)
	if err != nil {
		return "", err
	}
	return scalarString(out)
}

// Strings resolves v, which must be a string or a list of strings.
func (r *Resolver) Strings(v any) ([]string, error) {
	out, err := r.Resolve(v)
	if err != nil {
		return nil, err
	}
	if l, ok := out.([]any); ok {
		s := make([]string, 0, len(l))
		for _, x := range l {
			xs, err := scalarString(x)
			if err != nil {
				return nil, err
			}
			s = append(s, xs)
		}
		return s, nil
	}
	if out == nil {
		return nil, nil
	}
	s, err := scalarString(out)
	if err != nil {
		return nil, err
	}
	return []string{s}, nil
}

// Condition evaluates the named condition of the template.
func (r *Resolver) Condition(name string) (bool, error) {
	if b, ok := r.conds[name]; ok {
		return b, nil
	}
	def, ok := r.condDefs[name]
	if !ok {
		return false, fmt.Errorf("condition %s: not in template", name)
	}
	v, err := r.resolve(def)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("condition %s: got %T, want a boolean", name, v)
	}
	r.conds[name] = b
	return b, nil
}

func scalarString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case int:
		return strconv.Itoa(x), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	case nil:
		return "", nil
	}
	return "", fmt.Errorf("got %T, want a string", v)
}

func (r *Resolver) resolve(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
					out, err := r.call(k, arg)
					if err != nil {
						return nil, fmt.Errorf("%s: %w", k, err)
					}
					return out, nil
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			rv, err := r.resolve(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			if _, drop := rv.(noValue); drop {
				continue
			}
			out[k] = rv
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(x))
		for i, e := range x {
			rv, err := r.resolve(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			if _, drop := rv.(noValue); drop {
				continue
			}
			out = append(out, rv)
		}
		return out, nil
	}
	return v, nil
}

func (r *Resolver) call(fn string, arg any) (any, error) {
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("got %T, want a name", arg)
		}
		return r.ref(name)
	case "Condition":
		name, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("got %T, want a condition name", arg)
		}
		return r.Condition(name)
	case "Fn::GetAtt":
		var res, attr string
		switch a := arg.(type) {
		case string:
			res, attr, _ = strings.Cut(a, ".")
		case []any:
			if len(a) != 2 {
				return nil, fmt.Errorf("got %d arguments, want 2", len(a))
			}
			ra, err := r.resolve(a[1])
			if err != nil {
				return nil, err
			}
			res, _ = a[0].(string)
			attr, _ = ra.(string)
		}
		return r.getAtt(res, attr)
	case "Fn::Sub":
		return r.sub(arg)
	case "Fn::Join":
		a, err := r.args(arg, 2)
		if err != nil {
			return nil, err
		}
		delim, ok := a[0].(string)
		if !ok {
			return nil, fmt.Errorf("delimiter is a %T, want a string", a[0])
		}
		list, ok := a[1].([]any)
		if !ok {
			return nil, fmt.Errorf("values are a %T, want a list", a[1])
		}
		parts := make([]string, 0, len(list))
		for _, e := range list {
			s, err := scalarString(e)
			if err != nil {
				return nil, err
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, delim), nil
	case "Fn::Select":
		a, err := r.args(arg, 2)
		if err != nil {
			return nil, err
		}
		is, err := scalarString(a[0])
		if err != nil {
			return nil, err
		}
		i, err := strconv.Atoi(is)
		if err != nil {
			return nil, fmt.Errorf("index %q: %w", is, err)
		}
		list, ok := a[1].([]any)
		if !ok {
			return nil, fmt.Errorf("values are a %T, want a list", a[1])
		}
		if i < 0 || i >= len(list) {
			return nil, fmt.Errorf("index %d out of range [0,%d)", i, len(list))
		}
		return list[i], nil
	case "Fn::Split":
		a, err := r.args(arg, 2)
		if err != nil {
			return nil, err
		}
		delim, _ := a[0].(string)
		s, err := scalarString(a[1])
		if err != nil {
			return nil, err
		}
		var out []any
		for _, p := range strings.Split(s, delim) {
			out = append(out, p)
		}
		return out, nil
	case "Fn::If":
		l, ok := arg.([]any)
		if !ok || len(l) != 3 {
			return nil, fmt.Errorf("want [condition, then, else]")
		}
		name, _ := l[0].(string)
		b, err := r.Condition(name)
		if err != nil {
			return nil, err
		}
		if b {
			return r.resolve(l[1])
		}
		return r.resolve(l[2])
	case "Fn::Equals":
		a, err := r.args(arg, 2)
		if err != nil {
			return nil, err
		}
		x, err1 := scalarString(a[0])
		y, err2 := scalarString(a[1])
		if err1 != nil || err2 != nil {
			return fmt.Sprint(a[0]) == fmt.Sprint(a[1]), nil
		}
		return x == y, nil
	case "Fn::Not", "Fn::And", "Fn::Or":
		a, err := r.args(arg, -1)
		if err != nil {
			return nil, err
		}
		var bs []bool
		for _, x := range a {
			b, ok := x.(bool)
			if !ok {
				return nil, fmt.Errorf("got %T, want a boolean", x)
			}
			bs = append(bs, b)
		}
		switch fn {
		case "Fn::Not":
			if len(bs) != 1 {
				return nil, fmt.Errorf("got %d conditions, want 1", len(bs))
			}
			return !bs[0], nil
		case "Fn::And":
			for _, b := range bs {
				if !b {
					return false, nil
				}
			}
			return true, nil
		default:
			for _, b := range bs {
				if b {
					return true, nil
				}
			}
			return false, nil
		}
	case "Fn::FindInMap":
		a, err := r.args(arg, 3)
		if err != nil {
			return nil, err
		}
		var cur any = r.mappings
		for _, k := range a {
			ks, err := scalarString(k)
			if err != nil {
				return nil, err
			}
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("key %s: not a mapping", ks)
			}
			if cur, ok = m[ks]; !ok {
				return nil, fmt.Errorf("key %s: not found", ks)
			}
		}
		return cur, nil
	case "Fn::Base64":
		v, err := r.resolve(arg)
		if err != nil {
			return nil, err
		}
		s, err := scalarString(v)
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "Fn::GetAZs":
		return []any{Region + "a", Region + "b", Region + "c"}, nil
	}
	return nil, fmt.Errorf("intrinsic function not supported locally")
}

// args resolves a list argument and checks its length (n < 0: any length).
func (r *Resolver) args(arg any, n int) ([]any, error) {
	v, err := r.resolve(arg)
	if err != nil {
		return nil, err
	}
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("got %T, want a list", v)
	}
	if n >= 0 && len(l) != n {
		return nil, fmt.Errorf("got %d arguments, want %d", len(l), n)
	}
	return l, nil
}

func (r *Resolver) ref(name string) (any, error) {
	if v, ok := r.Params[name]; ok {
		return v, nil
	}
	if v, ok := r.Resources[name]; ok {
		return v.Ref, nil
	}
	return nil, fmt.Errorf("%s is neither a parameter nor a known resource", name)
}

func (r *Resolver) getAtt(res, attr string) (any, error) {
	v, ok := r.Resources[res]
	if !ok {
		return nil, fmt.Errorf("%s.%s: no such resource", res, attr)
	}
	a, ok := v.Attrs[attr]
	if !ok {
		var known []string
		for k := range v.Attrs {
			known = append(known, k)
		}
		sort.Strings(known)
		return nil, fmt.Errorf("%s.%s: no such attribute (have %s)", res, attr, strings.Join(known, ", "))
	}
	return a, nil
}

// sub evaluates Fn::Sub in its string and [string, variables] forms.
func (r *Resolver) sub(arg any) (any, error) {
	var text string
	vars := map[string]any{}
	switch a := arg.(type) {
	case string:
		text = a
	case []any:
		if len(a) != 2 {
			return nil, fmt.Errorf("got %d arguments, want 2", len(a))
		}
		s, ok := a[0].(string)
		if !ok {
			return nil, fmt.Errorf("template is a %T, want a string", a[0])
		}
		text = s
		m, ok := a[1].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("variables are a %T, want a mapping", a[1])
		}
		for k, v := range m {
			rv, err := r.resolve(v)
			if err != nil {
				return nil, fmt.Errorf("variable %s: %w", k, err)
			}
			vars[k] = rv
		}
	default:
		return nil, fmt.Errorf("got %T, want a string or a list", arg)
	}
	var b strings.Builder
	for {
		i := strings.Index(text, "${")
		if i < 0 {
			b.WriteString(text)
			break
		}
		b.WriteString(text[:i])
		j := strings.Index(text[i:], "}")
		if j < 0 {
			return nil, fmt.Errorf("unterminated ${ in %q", text)
		}
		name := text[i+2 : i+j]
		text = text[i+j+1:]
		if strings.HasPrefix(name, "!") {
			b.WriteString("${" + name[1:] + "}")
			continue
		}
		var v any
		var err error
		if x, ok := vars[name]; ok {
			v = x
		} else if res, attr, dotted := strings.Cut(name, "."); dotted {
			if _, isParam := r.Params[name]; isParam {
				v, err = r.ref(name)
			} else {
				v, err = r.getAtt(res, attr)
			}
		} else {
			v, err = r.ref(name)
		}
		if err != nil {
			return nil, err
		}
		s, err := scalarString(v)
		if err != nil {
			return nil, fmt.Errorf("${%s}: %w", name, err)
		}
		b.WriteString(s)
	}
	return b.String(), nil
}
