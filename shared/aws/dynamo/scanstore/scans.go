package scanstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/cardloop/cardloop/shared/aws/dynamo"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/scan"
)

// Scanned cards (docs/data-model.md): a review per card waiting for a
// person, in its store's queue (dynamo.GSI1, least confident first, only while
// waiting), and a record of what became of each page of each scan file.

func reviewPK(id string) string          { return "REVIEW#" + id }
func storeReviews(storeID string) string { return "STORE#" + storeID + "#REVIEWS" }
func scanPagePK(object string) string    { return "SCAN#" + object }
func scanPageSK(page int) string         { return "PAGE#" + fmt.Sprintf("%05d", page) }
func reviewOrder(r scan.Review) string {
	return strconv.FormatFloat(r.Confidence, 'f', 4, 64) + "#" + r.ID
}
func reviewItem(r scan.Review) (map[string]types.AttributeValue, error) {
	k := dynamo.Keys{PK: reviewPK(r.ID), SK: "REVIEW", Kind: "review"}
	if r.Status == scan.Waiting {
		k.GSI1PK, k.GSI1SK = storeReviews(r.StoreID), reviewOrder(r)
	}
	item, err := attributevalue.MarshalMap(struct {
		dynamo.Keys
		scan.Review
	}{k, r})
	if err != nil {
		return nil, fmt.Errorf("marshal review %s: %w", r.ID, err)
	}
	return item, nil
}

// PutReview queues a review unless the card has one already.
func (ss *Scans) PutReview(ctx context.Context, r scan.Review) (bool, error) {
	r.Version = 1
	item, err := reviewItem(r)
	if err != nil {
		return false, err
	}
	_, err = ss.t.API.PutItem(ctx, &dynamodb.PutItemInput{TableName: &ss.t.Name, Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return false, nil
	}
	if err != nil {
		return false, dynamo.Unavailable("put review "+r.ID, err)
	}
	return true, nil
}

// Review returns a review, or a fault.NotFound error.
func (ss *Scans) Review(ctx context.Context, id string) (scan.Review, error) {
	return dynamo.Get[scan.Review](ctx, ss.t, reviewPK(id), "REVIEW", "review "+id)
}

// Reviews returns a store's waiting reviews, least confident first.
func (ss *Scans) Reviews(ctx context.Context, storeID string, limit int) ([]scan.Review, error) {
	out, err := ss.t.API.Query(ctx, &dynamodb.QueryInput{
		TableName: &ss.t.Name, IndexName: aws.String(dynamo.GSI1),
		KeyConditionExpression:    aws.String("gsi1pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: storeReviews(storeID)}},
		Limit:                     aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, dynamo.Unavailable("query reviews of "+storeID, err)
	}
	var rs []scan.Review
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &rs); err != nil {
		return nil, fmt.Errorf("unmarshal reviews: %w", err)
	}
	return rs, nil
}

// SaveDecision writes a decided review, if its version is still the one
// read, and takes it out of the queue.
func (ss *Scans) SaveDecision(ctx context.Context, r scan.Review) (scan.Review, error) {
	read := r.Version
	r.Version++
	item, err := reviewItem(r)
	if err != nil {
		return r, err
	}
	_, err = ss.t.API.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &ss.t.Name, Item: item,
		ConditionExpression:       aws.String("version = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: strconv.Itoa(read)}},
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return r, fault.New(fault.Conflict, "Someone else decided this card meanwhile; reload it.")
	}
	if err != nil {
		return r, dynamo.Unavailable("save review "+r.ID, err)
	}
	return r, nil
}

// RecordPage writes what became of one page of a scan file.
func (ss *Scans) RecordPage(ctx context.Context, p scan.PageRecord) error {
	item, err := attributevalue.MarshalMap(struct {
		dynamo.Keys
		scan.PageRecord
	}{dynamo.Keys{PK: scanPagePK(p.Object), SK: scanPageSK(p.Page), Kind: "scanpage"}, p})
	if err != nil {
		return fmt.Errorf("marshal page record: %w", err)
	}
	if _, err := ss.t.API.PutItem(ctx, &dynamodb.PutItemInput{TableName: &ss.t.Name, Item: item}); err != nil {
		return dynamo.Unavailable("record scan page", err)
	}
	return nil
}

// ScanPages returns what became of each page of a scan file, in page order.
func (ss *Scans) ScanPages(ctx context.Context, object string) ([]scan.PageRecord, error) {
	return dynamo.QueryAll[scan.PageRecord](ctx, ss.t, &dynamodb.QueryInput{
		TableName:                 &ss.t.Name,
		KeyConditionExpression:    aws.String("pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: scanPagePK(object)}},
	}, "pages of "+object)
}

func printBatchPK(id string) string { return "PRINTBATCH#" + id }

// PutPrintBatch records a print batch. A batch is written once, when its
// cards are printed; writing it again (a retried print) writes the same.
func (ss *Scans) PutPrintBatch(ctx context.Context, b scan.PrintBatch) error {
	item, err := attributevalue.MarshalMap(struct {
		dynamo.Keys
		scan.PrintBatch
	}{dynamo.Keys{PK: printBatchPK(b.ID), SK: "BATCH", Kind: "printbatch"}, b})
	if err != nil {
		return fmt.Errorf("marshal print batch: %w", err)
	}
	if _, err := ss.t.API.PutItem(ctx, &dynamodb.PutItemInput{TableName: &ss.t.Name, Item: item}); err != nil {
		return dynamo.Unavailable("record print batch "+b.ID, err)
	}
	return nil
}

// PrintBatch returns a print batch, or a fault.NotFound error.
func (ss *Scans) PrintBatch(ctx context.Context, id string) (scan.PrintBatch, error) {
	return dynamo.Get[scan.PrintBatch](ctx, ss.t, printBatchPK(id), "BATCH", "print batch "+id)
}

func mailPK(id string) string { return "SCANMAIL#" + id }

// scanMail is a scan e-mail's claim: answered, unless the reply could
// not be sent and the claim was given back (Released).
type scanMail struct {
	Released bool `dynamodbav:"released"`
}

// MailAnswered reports whether a scan e-mail was read and answered.
func (ss *Scans) MailAnswered(ctx context.Context, id string) (bool, error) {
	m, err := dynamo.Get[scanMail](ctx, ss.t, mailPK(id), "ANSWERED", "scan mail "+id)
	if fault.CodeOf(err) == fault.NotFound {
		return false, nil
	}
	return err == nil && !m.Released, err
}

// ClaimMail records a scan e-mail as answered unless it is already, and
// reports whether this call did. The claim expires with the raw message
// (kept 30 days).
func (ss *Scans) ClaimMail(ctx context.Context, id string, at time.Time) (bool, error) {
	item := map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: mailPK(id)}, "sk": &types.AttributeValueMemberS{Value: "ANSWERED"},
		"kind":      &types.AttributeValueMemberS{Value: "scanmail"},
		"at":        &types.AttributeValueMemberS{Value: at.UTC().Format(time.RFC3339)},
		"released":  &types.AttributeValueMemberBOOL{Value: false},
		"expiresAt": &types.AttributeValueMemberN{Value: strconv.FormatInt(at.Add(31*24*time.Hour).Unix(), 10)},
	}
	_, err := ss.t.API.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &ss.t.Name, Item: item,
		ConditionExpression:       aws.String("attribute_not_exists(pk) OR released = :t"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": &types.AttributeValueMemberBOOL{Value: true}},
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return false, nil
	}
	if err != nil {
		return false, dynamo.Unavailable("claim scan mail", err)
	}
	return true, nil
}

// ReleaseMail gives a claim back, for the reply to be sent on a retry.
func (ss *Scans) ReleaseMail(ctx context.Context, id string) error {
	_, err := ss.t.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &ss.t.Name, Key: dynamo.Key(mailPK(id), "ANSWERED"),
		UpdateExpression:          aws.String("SET released = :t"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": &types.AttributeValueMemberBOOL{Value: true}},
	})
	if err != nil {
		return dynamo.Unavailable("release scan mail", err)
	}
	return nil
}
