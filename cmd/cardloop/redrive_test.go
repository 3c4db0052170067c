package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/aws/dynamo/allstores"
	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/casework"
)

// TestRedriveTriage runs `cardloop redrive triage --queue URL` against a
// copy of the template in the emulator, with the TriageFunction's
// environment in the shell: the dead-letter queue holds the on-failure
// record of a low card's stream record (as Lambda, and the local event
// source, write it), and the command triages the card (its case, one
// e-mail, its mark cleared) and deletes the message; run again, it finds
// nothing to do.
func TestRedriveTriage(t *testing.T) {
	env := testenv.New(t)
	ctx := context.Background()
	param := "/cardloop/" + emulator.Prefix(t) + "/link-signing-key"
	if _, err := ssm.NewFromConfig(env.Config).PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String(param), Value: aws.String(hex.EncodeToString(bytes.Repeat([]byte{9}, 32))),
		Type: ssmtypes.ParameterTypeSecureString, Overwrite: aws.Bool(true),
	}); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"TABLE_NAME": env.Table(), "STAGE": "test", "SENDER_EMAIL": env.Resources["SenderIdentity"].Name,
		"PUBLIC_BASE_URL": "https://cards.example.com", "LINK_KEY_PARAMETER": param, "SES_CONFIGURATION_SET": "",
		"AWS_ACCESS_KEY_ID": emulator.AccessKeyID, "AWS_SECRET_ACCESS_KEY": emulator.SecretAccessKey,
		"AWS_REGION": emulator.Region, "AWS_ENDPOINT_URL": emulator.EnsureEndpoint(t),
	} {
		t.Setenv(k, v)
	}
	db := allstores.New(dynamodb.NewFromConfig(env.Config), env.Table())
	// An anonymous card: its case id derives from the card id, and the
	// emulator keeps the mail of earlier runs, so the submission is this
	// run's own.
	res, err := intake.NewService(db, db, time.Now).Submit(ctx, card.Submission{SubmissionID: fmt.Sprintf("redriven-%08x", rand.Uint32()), StoreID: "S001",
		Ratings: map[string]int{"main": 1, "overall": 3}}, card.Meta{Source: card.SourceQR})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Card

	// The on-failure record of the card's stream record.
	streamARN := env.Resources["Table"].StreamARN
	desc, err := dynamodbstreams.NewFromConfig(env.Config).DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(streamARN)})
	if err != nil || len(desc.StreamDescription.Shards) != 1 {
		t.Fatalf("describe stream: %v", err)
	}
	var seq string
	for _, r := range env.StreamEvent(t).Records {
		if got, ok, err := cardstore.CardFromStream(r); err == nil && ok && got.ID == c.ID {
			seq = r.Change.SequenceNumber
		}
	}
	if seq == "" {
		t.Fatal("the card's stream record is not in the stream")
	}
	doc, _ := json.Marshal(map[string]any{
		"requestContext": map[string]any{"requestId": "r-1", "condition": "RetryAttemptsExhausted", "approximateInvokeCount": 11,
			"functionArn": "arn:aws:lambda:us-east-1:123456789012:function:TriageFunction"},
		"responseContext": map[string]any{"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
		"version":         "1.0", "timestamp": "2026-11-28T10:00:00.000Z",
		"DDBStreamBatchInfo": map[string]any{"shardId": aws.ToString(desc.StreamDescription.Shards[0].ShardId),
			"startSequenceNumber": seq, "endSequenceNumber": seq, "batchSize": 1, "streamArn": streamARN},
	})
	queue := env.Resources["TriageDeadLetterQueue"].URL
	q := sqs.NewFromConfig(env.Config)
	if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(queue), MessageBody: aws.String(string(doc))}); err != nil {
		t.Fatal(err)
	}

	caseID := casework.ID(c.StoreID, c.Diner.Key, c.ID, c.VisitDate)
	emails := func() int {
		t.Helper()
		mail, err := emulator.MailTo(emulator.EnsureEndpoint(t), "manager.s001@example.com")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, m := range mail {
			if strings.Contains(m, caseID) {
				n++
			}
		}
		return n
	}
	for run := range 2 {
		if err := redriveCommand(ctx, []string{"triage", "--queue", queue}); err != nil {
			t.Fatalf("run %d: %v", run+1, err)
		}
		rec, err := db.CaseRecord(ctx, caseID)
		if err != nil {
			t.Fatalf("run %d: the card's case: %v", run+1, err)
		}
		if len(rec.Case.CardIDs) != 1 || rec.Case.CardIDs[0] != c.ID || emails() != 1 {
			t.Errorf("run %d: got case cards %v and %d e-mails; want the card's case, one e-mail", run+1, rec.Case.CardIDs, emails())
		}
		if left, err := db.Untriaged(ctx, time.Now().Add(time.Hour), 10); err != nil || len(left) != 0 {
			t.Errorf("run %d: cards awaiting triage: got %d, %v; want none", run+1, len(left), err)
		}
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queue), VisibilityTimeout: 0})
		if err != nil || len(out.Messages) != 0 {
			t.Errorf("run %d: dead-letter queue: got %d messages, %v; want none", run+1, len(out.Messages), err)
		}
	}
}
