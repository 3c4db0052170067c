package provision

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

type creator struct {
	ddb *dynamodb.Client
	sqs *sqs.Client
	s3  *s3.Client
	ses *sesv2.Client
}

// table (re)creates a DynamoDB table from its CloudFormation properties.
func (c *creator) table(ctx context.Context, res *Resource, props map[string]any) error {
	in, ttl, err := tableInput(res.Name, props)
	if err != nil {
		return fmt.Errorf("provision table %s: %w", res.Name, err)
	}
	if _, err := c.ddb.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: in.TableName}); err == nil {
		w := dynamodb.NewTableNotExistsWaiter(c.ddb, func(o *dynamodb.TableNotExistsWaiterOptions) { o.MinDelay = 50 * time.Millisecond })
		if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: in.TableName}, 30*time.Second); err != nil {
			return fmt.Errorf("provision table %s: wait for old table to go: %w", res.Name, err)
		}
	} else if !isNotFound(err) {
		return fmt.Errorf("provision table %s: delete old table: %w", res.Name, err)
	}
	out, err := c.ddb.CreateTable(ctx, in)
	var inUse *ddbtypes.ResourceInUseException
	if errors.As(err, &inUse) {
		// The SDK retried a create that had succeeded (moto sometimes sends a
		// response whose CRC32 does not match, which the SDK retries): the
		// table was just made by this very call, so describe it.
		d, derr := c.ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: in.TableName})
		if derr != nil {
			return fmt.Errorf("provision table %s: %w", res.Name, derr)
		}
		out, err = &dynamodb.CreateTableOutput{TableDescription: d.Table}, nil
	}
	if err != nil {
		return fmt.Errorf("provision table %s: %w", res.Name, err)
	}
	if ttl != nil {
		if _, err := c.ddb.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: in.TableName, TimeToLiveSpecification: ttl}); err != nil {
			return fmt.Errorf("provision table %s: time to live: %w", res.Name, err)
		}
	}
	desc := out.TableDescription
	res.ARN = aws.ToString(desc.TableArn)
	res.Attrs["Arn"] = res.ARN
	res.StreamARN = aws.ToString(desc.LatestStreamArn)
	if res.StreamARN != "" {
		res.Attrs["StreamArn"] = res.StreamARN
	} else {
		delete(res.Attrs, "StreamArn")
	}
	return nil
}

func isNotFound(err error) bool {
	var nf *ddbtypes.ResourceNotFoundException
	return errors.As(err, &nf)
}

// tableInput maps AWS::DynamoDB::Table properties to CreateTable.
func tableInput(name string, p map[string]any) (*dynamodb.CreateTableInput, *ddbtypes.TimeToLiveSpecification, error) {
	in := &dynamodb.CreateTableInput{TableName: aws.String(name)}
	for _, a := range list(p["AttributeDefinitions"]) {
		m := dict(a)
		in.AttributeDefinitions = append(in.AttributeDefinitions, ddbtypes.AttributeDefinition{
			AttributeName: aws.String(text(m["AttributeName"])),
			AttributeType: ddbtypes.ScalarAttributeType(text(m["AttributeType"])),
		})
	}
	in.KeySchema = keySchema(p["KeySchema"])
	if len(in.KeySchema) == 0 {
		return nil, nil, errors.New("no KeySchema")
	}
	provisioned := text(p["BillingMode"]) != string(ddbtypes.BillingModePayPerRequest)
	if provisioned {
		in.BillingMode = ddbtypes.BillingModeProvisioned
		pt, err := throughput(p["ProvisionedThroughput"])
		if err != nil {
			return nil, nil, err
		}
		in.ProvisionedThroughput = pt
	} else {
		in.BillingMode = ddbtypes.BillingModePayPerRequest
	}
	for _, g := range list(p["GlobalSecondaryIndexes"]) {
		m := dict(g)
		gsi := ddbtypes.GlobalSecondaryIndex{
			IndexName:  aws.String(text(m["IndexName"])),
			KeySchema:  keySchema(m["KeySchema"]),
			Projection: projection(m["Projection"]),
		}
		if provisioned {
			pt, err := throughput(m["ProvisionedThroughput"])
			if err != nil {
				return nil, nil, fmt.Errorf("index %s: %w", text(m["IndexName"]), err)
			}
			gsi.ProvisionedThroughput = pt
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, gsi)
	}
	for _, l := range list(p["LocalSecondaryIndexes"]) {
		m := dict(l)
		in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, ddbtypes.LocalSecondaryIndex{
			IndexName:  aws.String(text(m["IndexName"])),
			KeySchema:  keySchema(m["KeySchema"]),
			Projection: projection(m["Projection"]),
		})
	}
	if s := dict(p["StreamSpecification"]); len(s) > 0 {
		in.StreamSpecification = &ddbtypes.StreamSpecification{
			StreamEnabled:  aws.Bool(true),
			StreamViewType: ddbtypes.StreamViewType(text(s["StreamViewType"])),
		}
	}
	var ttl *ddbtypes.TimeToLiveSpecification
	if t := dict(p["TimeToLiveSpecification"]); len(t) > 0 && truthy(t["Enabled"]) {
		ttl = &ddbtypes.TimeToLiveSpecification{AttributeName: aws.String(text(t["AttributeName"])), Enabled: aws.Bool(true)}
	}
	return in, ttl, nil
}

func keySchema(v any) []ddbtypes.KeySchemaElement {
	var ks []ddbtypes.KeySchemaElement
	for _, k := range list(v) {
		m := dict(k)
		ks = append(ks, ddbtypes.KeySchemaElement{
			AttributeName: aws.String(text(m["AttributeName"])),
			KeyType:       ddbtypes.KeyType(text(m["KeyType"])),
		})
	}
	return ks
}

func projection(v any) *ddbtypes.Projection {
	m := dict(v)
	p := &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionType(text(m["ProjectionType"]))}
	if p.ProjectionType == "" {
		p.ProjectionType = ddbtypes.ProjectionTypeKeysOnly
	}
	for _, a := range list(m["NonKeyAttributes"]) {
		p.NonKeyAttributes = append(p.NonKeyAttributes, text(a))
	}
	return p
}

func throughput(v any) (*ddbtypes.ProvisionedThroughput, error) {
	m := dict(v)
	r, err1 := strconv.ParseInt(text(m["ReadCapacityUnits"]), 10, 64)
	w, err2 := strconv.ParseInt(text(m["WriteCapacityUnits"]), 10, 64)
	if err1 != nil || err2 != nil {
		return nil, errors.New("ProvisionedThroughput with read and write capacity units is required unless BillingMode is PAY_PER_REQUEST")
	}
	return &ddbtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(r), WriteCapacityUnits: aws.Int64(w)}, nil
}

// queueAttributes maps AWS::SQS::Queue properties to queue attributes.
var queueAttributes = map[string]sqstypes.QueueAttributeName{
	"DelaySeconds":                  sqstypes.QueueAttributeNameDelaySeconds,
	"MaximumMessageSize":            sqstypes.QueueAttributeNameMaximumMessageSize,
	"MessageRetentionPeriod":        sqstypes.QueueAttributeNameMessageRetentionPeriod,
	"ReceiveMessageWaitTimeSeconds": sqstypes.QueueAttributeNameReceiveMessageWaitTimeSeconds,
	"VisibilityTimeout":             sqstypes.QueueAttributeNameVisibilityTimeout,
	"RedrivePolicy":                 sqstypes.QueueAttributeNameRedrivePolicy,
	"RedriveAllowPolicy":            sqstypes.QueueAttributeNameRedriveAllowPolicy,
	"FifoQueue":                     sqstypes.QueueAttributeNameFifoQueue,
	"ContentBasedDeduplication":     sqstypes.QueueAttributeNameContentBasedDeduplication,
	"DeduplicationScope":            sqstypes.QueueAttributeNameDeduplicationScope,
	"FifoThroughputLimit":           sqstypes.QueueAttributeNameFifoThroughputLimit,
}

// queue creates an SQS queue, or reuses and purges one of the same name.
func (c *creator) queue(ctx context.Context, res *Resource, props map[string]any) error {
	attrs := map[string]string{}
	for prop, attr := range queueAttributes {
		v, ok := props[prop]
		if !ok {
			continue
		}
		switch x := v.(type) {
		case map[string]any, []any:
			b, err := json.Marshal(x)
			if err != nil {
				return fmt.Errorf("provision queue %s: encode %s: %w", res.Name, prop, err)
			}
			attrs[string(attr)] = string(b)
		default:
			attrs[string(attr)] = text(x)
		}
	}
	var url string
	if got, err := c.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(res.Name)}); err == nil {
		url = aws.ToString(got.QueueUrl)
		delete(attrs, string(sqstypes.QueueAttributeNameFifoQueue))
		if len(attrs) > 0 {
			if _, err := c.sqs.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: got.QueueUrl, Attributes: attrs}); err != nil {
				return fmt.Errorf("provision queue %s: set attributes: %w", res.Name, err)
			}
		}
		if _, err := c.sqs.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: got.QueueUrl}); err != nil {
			return fmt.Errorf("provision queue %s: purge: %w", res.Name, err)
		}
	} else {
		out, err := c.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(res.Name), Attributes: attrs})
		if err != nil {
			return fmt.Errorf("provision queue %s: %w", res.Name, err)
		}
		url = aws.ToString(out.QueueUrl)
	}
	got, err := c.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl:       aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return fmt.Errorf("provision queue %s: get arn: %w", res.Name, err)
	}
	res.URL = url
	res.Ref = url
	res.ARN = got.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
	res.Attrs["Arn"] = res.ARN
	res.Attrs["QueueUrl"] = url
	return nil
}

// bucket creates an S3 bucket, or reuses and empties one of the same name.
func (c *creator) bucket(ctx context.Context, res *Resource) error {
	_, err := c.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(res.Name)})
	var owned *s3types.BucketAlreadyOwnedByYou
	if errors.As(err, &owned) {
		return c.emptyBucket(ctx, res.Name)
	}
	if err != nil {
		return fmt.Errorf("provision bucket %s: %w", res.Name, err)
	}
	return nil
}

func (c *creator) emptyBucket(ctx context.Context, name string) error {
	p := s3.NewListObjectsV2Paginator(c.s3, &s3.ListObjectsV2Input{Bucket: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("provision bucket %s: list objects: %w", name, err)
		}
		for _, o := range page.Contents {
			if _, err := c.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(name), Key: o.Key}); err != nil {
				return fmt.Errorf("provision bucket %s: delete %s: %w", name, aws.ToString(o.Key), err)
			}
		}
	}
	return nil
}

// identity creates an SES e-mail identity (verified at once in moto).
func (c *creator) identity(ctx context.Context, res *Resource, props map[string]any) error {
	name := text(props["EmailIdentity"])
	if name == "" {
		return fmt.Errorf("provision email identity %s: no EmailIdentity", res.LogicalID)
	}
	res.Name, res.Ref = name, name
	_, err := c.ses.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(name)})
	var exists *sestypes.AlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("provision email identity %s: %w", name, err)
	}
	return nil
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func dict(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	default:
		return fmt.Sprint(x)
	}
}

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return x == "true"
	}
	return false
}
