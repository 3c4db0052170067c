// Package provision creates the resources of a SAM template in the AWS
// emulator: DynamoDB tables, S3 buckets, SQS queues and SES identities, with
// physical names derived from a prefix and the logical id, so that several
// copies (the runner's, each test's) can live side by side in one emulator.
// Types the emulator cannot run (Cognito, log groups, HTTP APIs, functions)
// get deterministic placeholder names and ARNs so that intrinsic functions
// referring to them still resolve.
package provision

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/cardloop/cardloop/infra/sam"
)

// Resource types created in the emulator.
const (
	TableType         = "AWS::DynamoDB::Table"
	BucketType        = "AWS::S3::Bucket"
	QueueType         = "AWS::SQS::Queue"
	EmailIdentityType = "AWS::SES::EmailIdentity"
)

// Resource is one provisioned (or placeholder) resource of the template.
type Resource struct {
	LogicalID string
	Type      string
	// Name is the physical name: table, bucket, queue or function name, or
	// the e-mail identity.
	Name string
	// ARN is the resource's ARN.
	ARN string
	// StreamARN is a table's latest stream ARN, if it has a stream.
	StreamARN string
	// URL is a queue's URL.
	URL string
	// Emulated says whether the resource exists in the emulator.
	Emulated bool
	// Ref is what !Ref answers; Attrs what !GetAtt answers.
	Ref   string
	Attrs map[string]string
}

// Values returns what the resource answers to !Ref and !GetAtt.
func (r Resource) Values() sam.Values {
	return sam.Values{Ref: r.Ref, Attrs: r.Attrs}
}

// Resources creates tpl's resources in the emulator cfg points at, with the
// parameters' default values, and returns them by logical id.
func Resources(ctx context.Context, cfg aws.Config, tpl *sam.Template, prefix string) (map[string]Resource, error) {
	r, err := sam.NewResolver(tpl, nil, prefix)
	if err != nil {
		return nil, fmt.Errorf("provision %s: %w", prefix, err)
	}
	return Create(ctx, cfg, tpl, r, prefix)
}

// Create creates tpl's resources, resolving their properties with r, and
// fills r.Resources so that later resolution (function environments, event
// properties) sees the physical names. Resources that already exist under the
// same physical name are recreated (tables) or reused emptied (queues,
// buckets, identities).
func Create(ctx context.Context, cfg aws.Config, tpl *sam.Template, r *sam.Resolver, prefix string) (map[string]Resource, error) {
	c := &creator{
		ddb: dynamodb.NewFromConfig(cfg),
		sqs: sqs.NewFromConfig(cfg),
		s3:  s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
		ses: sesv2.NewFromConfig(cfg),
	}
	endpoint := ""
	if cfg.BaseEndpoint != nil {
		endpoint = *cfg.BaseEndpoint
	}
	out := Placeholders(tpl, prefix, endpoint)
	for id, res := range out {
		r.Resources[id] = res.Values()
	}
	order, err := creationOrder(tpl)
	if err != nil {
		return nil, fmt.Errorf("provision %s: %w", prefix, err)
	}
	for _, id := range order {
		res := out[id]
		if !emulated(res.Type) {
			continue
		}
		tr := tpl.Resources[id]
		if tr.Condition != "" {
			ok, err := r.Condition(tr.Condition)
			if err != nil {
				return nil, fmt.Errorf("provision %s: %w", id, err)
			}
			if !ok {
				continue
			}
		}
		resolved, err := r.Resolve(tr.Properties)
		if err != nil {
			return nil, fmt.Errorf("provision %s: resolve properties: %w", id, err)
		}
		props, _ := resolved.(map[string]any)
		if props == nil {
			props = map[string]any{}
		}
		switch res.Type {
		case TableType:
			err = c.table(ctx, &res, props)
		case QueueType:
			err = c.queue(ctx, &res, props)
		case BucketType:
			err = c.bucket(ctx, &res)
		case EmailIdentityType:
			err = c.identity(ctx, &res, props)
		}
		if err != nil {
			return nil, err
		}
		res.Emulated = true
		out[id] = res
		r.Resources[id] = res.Values()
	}
	return out, nil
}

func emulated(typ string) bool {
	switch typ {
	case TableType, QueueType, BucketType, EmailIdentityType:
		return true
	}
	return false
}

// Placeholders returns every resource of tpl with its deterministic physical
// name, ARN and attributes, before anything is created; emulated resources
// get their final stream ARNs and queue URLs from Create.
func Placeholders(tpl *sam.Template, prefix, endpoint string) map[string]Resource {
	out := map[string]Resource{}
	region, account := sam.Region, sam.AccountID
	for id, tr := range tpl.Resources {
		name := prefix + "-" + id
		res := Resource{LogicalID: id, Type: tr.Type, Name: name, Ref: name, Attrs: map[string]string{}}
		switch tr.Type {
		case TableType:
			res.ARN = fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", region, account, name)
			res.StreamARN = res.ARN + "/stream/pending"
			res.Attrs["StreamArn"] = res.StreamARN
		case QueueType:
			if fifo, _ := tr.Properties["FifoQueue"].(bool); fifo {
				name += ".fifo"
			}
			name = truncate(name, 80)
			res.Name = name
			res.ARN = fmt.Sprintf("arn:aws:sqs:%s:%s:%s", region, account, name)
			res.URL = fmt.Sprintf("%s/%s/%s", endpoint, account, name)
			res.Ref = res.URL
			res.Attrs["QueueName"] = name
			res.Attrs["QueueUrl"] = res.URL
		case BucketType:
			name = bucketName(name)
			res.Name, res.Ref = name, name
			res.ARN = "arn:aws:s3:::" + name
			res.Attrs["DomainName"] = name + ".s3.amazonaws.com"
			res.Attrs["RegionalDomainName"] = name + ".s3." + region + ".amazonaws.com"
			res.Attrs["WebsiteURL"] = "http://" + name + ".s3-website-" + region + ".amazonaws.com"
		case EmailIdentityType:
			if e, ok := tr.Properties["EmailIdentity"].(string); ok {
				res.Name, res.Ref = e, e
			}
			res.ARN = fmt.Sprintf("arn:aws:ses:%s:%s:identity/%s", region, account, res.Name)
		case sam.FunctionType, "AWS::Lambda::Function":
			name = truncate(name, 64)
			res.Name, res.Ref = name, name
			res.ARN = fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, account, name)
		case "AWS::Serverless::HttpApi", "AWS::ApiGatewayV2::Api":
			res.Name = apiID(name)
			res.Ref = res.Name
			res.ARN = fmt.Sprintf("arn:aws:apigateway:%s::/apis/%s", region, res.Name)
			res.Attrs["ApiEndpoint"] = fmt.Sprintf("https://%s.execute-api.%s.amazonaws.com", res.Name, region)
		case "AWS::Cognito::UserPool":
			res.Name = region + "_" + apiID(name)
			res.Ref = res.Name
			res.ARN = fmt.Sprintf("arn:aws:cognito-idp:%s:%s:userpool/%s", region, account, res.Name)
			res.Attrs["ProviderName"] = fmt.Sprintf("cognito-idp.%s.amazonaws.com/%s", region, res.Name)
			res.Attrs["ProviderURL"] = "https://" + res.Attrs["ProviderName"]
			res.Attrs["UserPoolId"] = res.Name
		default:
			svc, kind := "cloudformation", "resource"
			if parts := strings.Split(tr.Type, "::"); len(parts) == 3 {
				svc, kind = strings.ToLower(parts[1]), strings.ToLower(parts[2])
			}
			res.ARN = fmt.Sprintf("arn:aws:%s:%s:%s:%s/%s", svc, region, account, kind, name)
		}
		res.Attrs["Arn"] = res.ARN
		if _, ok := res.Attrs["Name"]; !ok {
			res.Attrs["Name"] = res.Name
		}
		out[id] = res
	}
	return out
}

var notBucketChar = regexp.MustCompile(`[^a-z0-9.-]+`)

// bucketName lower-cases name and drops what S3 bucket names cannot hold.
func bucketName(name string) string {
	n := notBucketChar.ReplaceAllString(strings.ToLower(name), "-")
	return strings.Trim(truncate(n, 63), "-.")
}

// apiID derives a short lower-case id, like API Gateway's, from name.
func apiID(name string) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	var h uint64 = 14695981039346656037
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	b := make([]byte, 10)
	for i := range b {
		b[i] = alphabet[h%36]
		h /= 36
		if h == 0 {
			h = 7919 * uint64(i+1)
		}
	}
	return string(b)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// creationOrder sorts the template's resources so that each comes after the
// resources its properties refer to.
func creationOrder(tpl *sam.Template) ([]string, error) {
	deps := map[string][]string{}
	for id, r := range tpl.Resources {
		seen := map[string]bool{}
		refs(r.Properties, func(target string) {
			if _, ok := tpl.Resources[target]; ok && target != id && !seen[target] {
				seen[target] = true
				deps[id] = append(deps[id], target)
			}
		})
	}
	var order []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(id string) error
	visit = func(id string) error {
		switch state[id] {
		case 1:
			return fmt.Errorf("circular reference through %s", id)
		case 2:
			return nil
		}
		state[id] = 1
		sort.Strings(deps[id])
		for _, d := range deps[id] {
			if err := visit(d); err != nil {
				return err
			}
		}
		state[id] = 2
		order = append(order, id)
		return nil
	}
	for _, id := range tpl.LogicalIDs("") {
		if err := visit(id); err != nil {
			return nil, err
		}
	}
	return order, nil
}

var subVar = regexp.MustCompile(`\$\{([^!}][^}]*)\}`)

// refs calls f with every logical id v refers to through Ref, Fn::GetAtt and
// Fn::Sub.
func refs(v any, f func(string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			switch k {
			case "Ref":
				if s, ok := e.(string); ok {
					f(s)
				}
			case "Fn::GetAtt":
				switch a := e.(type) {
				case []any:
					if len(a) > 0 {
						if s, ok := a[0].(string); ok {
							f(s)
						}
					}
				case string:
					res, _, _ := strings.Cut(a, ".")
					f(res)
				}
			case "Fn::Sub":
				text := e
				if l, ok := e.([]any); ok && len(l) > 0 {
					text = l[0]
					refs(l[1:], f)
				}
				if s, ok := text.(string); ok {
					for _, m := range subVar.FindAllStringSubmatch(s, -1) {
						res, _, _ := strings.Cut(m[1], ".")
						f(res)
					}
				}
			}
			refs(e, f)
		}
	case []any:
		for _, e := range x {
			refs(e, f)
		}
	}
}
