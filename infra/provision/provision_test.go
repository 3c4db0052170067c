package provision_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/infra/provision"
	"github.com/cardloop/cardloop/infra/sam"
)

func TestResourcesTestTemplate(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the emulator")
	}
	cfg := emulator.Ensure(t)
	ctx := context.Background()
	tpl, err := sam.Load("../testdata/template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	prefix := emulator.Prefix(t)
	got, err := provision.Resources(ctx, cfg, tpl, prefix)
	if err != nil {
		t.Fatal(err)
	}
	table := got["Table"]
	if table.Name != prefix+"-Table" || !table.Emulated {
		t.Errorf("table: got %+v, want %s-Table, emulated", table, prefix)
	}
	desc, err := dynamodb.NewFromConfig(cfg).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table.Name)})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(desc.Table.GlobalSecondaryIndexes); n != 1 || aws.ToString(desc.Table.GlobalSecondaryIndexes[0].IndexName) != "gsi1" {
		t.Errorf("GSIs: got %d, want gsi1", n)
	}
	if desc.Table.StreamSpecification == nil || desc.Table.StreamSpecification.StreamViewType != "NEW_AND_OLD_IMAGES" {
		t.Errorf("stream: got %+v, want NEW_AND_OLD_IMAGES", desc.Table.StreamSpecification)
	}
	if got, want := aws.ToString(desc.Table.LatestStreamArn), table.StreamARN; got == "" || got != want {
		t.Errorf("stream ARN: got %q, want %q", got, want)
	}

	jobs, dlq := got["Jobs"], got["DeadLetters"]
	attrs, err := sqs.NewFromConfig(cfg).GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(jobs.URL), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll},
	})
	if err != nil {
		t.Fatal(err)
	}
	var redrive struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
		MaxReceiveCount     any    `json:"maxReceiveCount"`
	}
	if err := json.Unmarshal([]byte(attrs.Attributes["RedrivePolicy"]), &redrive); err != nil {
		t.Fatalf("redrive policy %q: %v", attrs.Attributes["RedrivePolicy"], err)
	}
	if redrive.DeadLetterTargetArn != dlq.ARN {
		t.Errorf("dead-letter target: got %q, want %q", redrive.DeadLetterTargetArn, dlq.ARN)
	}
	if got := attrs.Attributes["VisibilityTimeout"]; got != "1" {
		t.Errorf("visibility timeout: got %q, want 1", got)
	}

	bucket := got["Uploads"]
	if bucket.Name != strings.ToLower(prefix+"-uploads") {
		t.Errorf("bucket name: got %q, want %q", bucket.Name, strings.ToLower(prefix+"-uploads"))
	}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket.Name)}); err != nil {
		t.Errorf("head bucket: %v", err)
	}
	if _, err := sesv2.NewFromConfig(cfg).GetEmailIdentity(ctx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("sender@example.com")}); err != nil {
		t.Errorf("get email identity: %v", err)
	}
	if r := got["UserPool"]; r.Emulated || r.Ref == "" {
		t.Errorf("user pool: got %+v, want a placeholder", r)
	}

	// A second provisioning with the same prefix starts clean.
	if _, err := dynamodb.NewFromConfig(cfg).PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(table.Name),
		Item:      map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "a"}, "sk": &ddbtypes.AttributeValueMemberS{Value: "b"}},
	}); err != nil {
		t.Fatal(err)
	}
	again, err := provision.Resources(ctx, cfg, tpl, prefix)
	if err != nil {
		t.Fatalf("second provisioning: %v", err)
	}
	scan, err := dynamodb.NewFromConfig(cfg).Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(again["Table"].Name)})
	if err != nil {
		t.Fatal(err)
	}
	if scan.Count != 0 {
		t.Errorf("items after reprovisioning: got %d, want 0", scan.Count)
	}
}

func TestResourcesProjectTemplate(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the emulator")
	}
	cfg := emulator.Ensure(t)
	tpl, err := sam.Load("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := provision.Resources(context.Background(), cfg, tpl, emulator.Prefix(t))
	if err != nil {
		t.Fatal(err)
	}
	desc, err := dynamodb.NewFromConfig(cfg).DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(got["Table"].Name)})
	if err != nil {
		t.Fatal(err)
	}
	// Every index of the template, with its projection (gsi4, the cards
	// awaiting triage, projects keys only).
	want := map[string]string{}
	for _, g := range tpl.Resources["Table"].Properties["GlobalSecondaryIndexes"].([]any) {
		m := g.(map[string]any)
		want[m["IndexName"].(string)] = m["Projection"].(map[string]any)["ProjectionType"].(string)
	}
	gotGSI := map[string]string{}
	for _, g := range desc.Table.GlobalSecondaryIndexes {
		gotGSI[aws.ToString(g.IndexName)] = string(g.Projection.ProjectionType)
	}
	if len(gotGSI) != len(want) || want["gsi4"] != "KEYS_ONLY" {
		t.Errorf("GSIs: got %v, want %v (gsi4 KEYS_ONLY)", gotGSI, want)
	}
	for name, proj := range want {
		if gotGSI[name] != proj {
			t.Errorf("GSI %s: got projection %q, want %q", name, gotGSI[name], proj)
		}
	}
	if got["Table"].StreamARN == "" {
		t.Errorf("stream ARN: got none, want one")
	}
}
