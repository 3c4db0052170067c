package eventsource

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// S3Config is an S3 event of a function.
type S3Config struct {
	// Function is the function's logical id; Event the event's name.
	Function string
	Event    string
	Bucket   string
	// Events are the notification event types, e.g. s3:ObjectCreated:*.
	Events []string
	// Prefix and Suffix are the key filter rules.
	Prefix, Suffix string
}

// notifyAPI is what S3 notification wiring needs of S3 and SQS.
type notifyAPI interface {
	PutBucketNotificationConfiguration(ctx context.Context, in *s3.PutBucketNotificationConfigurationInput, opts ...func(*s3.Options)) (*s3.PutBucketNotificationConfigurationOutput, error)
}

type queueCreateAPI interface {
	CreateQueue(ctx context.Context, in *sqs.CreateQueueInput, opts ...func(*sqs.Options)) (*sqs.CreateQueueOutput, error)
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, opts ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
}

// S3Queue is the notification queue wired for one S3 event.
type S3Queue struct {
	Config   S3Config
	QueueURL string
	QueueARN string
}

// WireS3 makes the emulator send the bucket's notifications for cfgs to
// one SQS queue per event (named from prefix), the way the emulator
// supports; all of a bucket's configurations are set at once because S3
// replaces a bucket's notification configuration as a whole.
func WireS3(ctx context.Context, s3api notifyAPI, sqsAPI queueCreateAPI, prefix string, cfgs []S3Config) ([]S3Queue, error) {
	var out []S3Queue
	byBucket := map[string][]s3types.QueueConfiguration{}
	for _, c := range cfgs {
		name := prefix + "-" + c.Function + c.Event + "-s3"
		if len(name) > 80 {
			name = name[:80]
		}
		q, err := sqsAPI.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: map[string]string{"VisibilityTimeout": "2"}})
		if err != nil {
			return nil, fmt.Errorf("create notification queue %s: %w", name, err)
		}
		attrs, err := sqsAPI.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
		if err != nil {
			return nil, fmt.Errorf("get arn of notification queue %s: %w", name, err)
		}
		arn := attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
		qc := s3types.QueueConfiguration{Id: aws.String(c.Function + c.Event), QueueArn: aws.String(arn)}
		for _, e := range c.Events {
			qc.Events = append(qc.Events, s3types.Event(e))
		}
		var rules []s3types.FilterRule
		if c.Prefix != "" {
			rules = append(rules, s3types.FilterRule{Name: s3types.FilterRuleNamePrefix, Value: aws.String(c.Prefix)})
		}
		if c.Suffix != "" {
			rules = append(rules, s3types.FilterRule{Name: s3types.FilterRuleNameSuffix, Value: aws.String(c.Suffix)})
		}
		if len(rules) > 0 {
			qc.Filter = &s3types.NotificationConfigurationFilter{Key: &s3types.S3KeyFilter{FilterRules: rules}}
		}
		byBucket[c.Bucket] = append(byBucket[c.Bucket], qc)
		out = append(out, S3Queue{Config: c, QueueURL: aws.ToString(q.QueueUrl), QueueARN: arn})
	}
	for bucket, qcs := range byBucket {
		if _, err := s3api.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{
			Bucket:                    aws.String(bucket),
			NotificationConfiguration: &s3types.NotificationConfiguration{QueueConfigurations: qcs},
		}); err != nil {
			return nil, fmt.Errorf("set notifications of bucket %s: %w", bucket, err)
		}
	}
	return out, nil
}

// S3Poller turns the notifications arriving on an S3Queue into S3 events
// for the function, invoked asynchronously as S3 does: a failed event is
// retried twice, then dropped.
type S3Poller struct {
	q   S3Queue
	sqs queueAPI
	fn  Invoker
	log *log.Logger
	seq atomic.Uint64
}

// NewS3Poller returns a poller; logger may be nil.
func NewS3Poller(q S3Queue, api queueAPI, fn Invoker, logger *log.Logger) *S3Poller {
	if logger == nil {
		logger = log.New(discard{}, "", 0)
	}
	return &S3Poller{q: q, sqs: api, fn: fn, log: logger}
}

// Run polls until ctx ends.
func (p *S3Poller) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		out, err := p.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    aws.String(p.q.QueueURL),
			MaxNumberOfMessages:         10,
			WaitTimeSeconds:             1,
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameApproximateReceiveCount},
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("receive s3 notifications from %s: %w", p.q.QueueURL, err)
		}
		for _, m := range out.Messages {
			if p.handle(ctx, m) {
				_, err := p.sqs.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{
					QueueUrl: aws.String(p.q.QueueURL),
					Entries:  []sqstypes.DeleteMessageBatchRequestEntry{{Id: aws.String("0"), ReceiptHandle: m.ReceiptHandle}},
				})
				if err != nil && ctx.Err() == nil {
					p.log.Printf("%s: delete s3 notification: %v", p.q.Config.Function, err)
				}
			}
		}
	}
	return nil
}

// handle delivers one notification and reports whether it is done with.
func (p *S3Poller) handle(ctx context.Context, m sqstypes.Message) bool {
	ev, ok, err := p.event([]byte(aws.ToString(m.Body)))
	if err != nil {
		p.log.Printf("%s: bad s3 notification: %v", p.q.Config.Function, err)
		return true
	}
	if !ok { // s3:TestEvent and the like
		return true
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		p.log.Printf("%s: encode s3 event: %v", p.q.Config.Function, err)
		return true
	}
	if _, err := p.fn.Invoke(ctx, payload); err != nil {
		n, _ := strconv.Atoi(m.Attributes[string(sqstypes.MessageSystemAttributeNameApproximateReceiveCount)])
		if n >= 3 {
			p.log.Printf("%s: s3 event failed 3 times, dropping it: %v", p.q.Config.Function, err)
			return true
		}
		p.log.Printf("%s: s3 event failed (attempt %d), will retry: %v", p.q.Config.Function, n, err)
		return false
	}
	return true
}

// event converts the emulator's notification into the event S3 sends.
func (p *S3Poller) event(body []byte) (events.S3Event, bool, error) {
	var raw struct {
		Records []struct {
			EventName string `json:"eventName"`
			EventTime string `json:"eventTime"`
			AWSRegion string `json:"awsRegion"`
			S3        struct {
				ConfigurationID string `json:"configurationId"`
				Bucket          struct {
					Name string `json:"name"`
					Arn  string `json:"arn"`
				} `json:"bucket"`
				Object struct {
					Key       string `json:"key"`
					Size      int64  `json:"size"`
					ETag      string `json:"eTag"`
					VersionID string `json:"versionId"`
				} `json:"object"`
			} `json:"s3"`
		} `json:"Records"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return events.S3Event{}, false, fmt.Errorf("decode: %w", err)
	}
	if len(raw.Records) == 0 {
		return events.S3Event{}, false, nil
	}
	var ev events.S3Event
	for _, r := range raw.Records {
		t, err := time.Parse("2006-01-02T15:04:05.000000", r.EventTime)
		if err != nil {
			t = time.Now()
		}
		decoded, err := url.QueryUnescape(r.S3.Object.Key)
		if err != nil {
			decoded = r.S3.Object.Key
		}
		name := r.EventName
		if !strings.HasPrefix(name, "Object") && strings.HasPrefix(name, "s3:") {
			name = strings.TrimPrefix(name, "s3:")
		}
		ev.Records = append(ev.Records, events.S3EventRecord{
			EventVersion:      "2.1",
			EventSource:       "aws:s3",
			AWSRegion:         or(r.AWSRegion, "us-east-1"),
			EventTime:         t.UTC(),
			EventName:         name,
			PrincipalID:       events.S3UserIdentity{PrincipalID: "AWS:LOCAL"},
			RequestParameters: events.S3RequestParameters{SourceIPAddress: "127.0.0.1"},
			ResponseElements:  map[string]string{"x-amz-request-id": strings.ToUpper(newID()[:16]), "x-amz-id-2": newID()},
			S3: events.S3Entity{
				SchemaVersion:   "1.0",
				ConfigurationID: r.S3.ConfigurationID,
				Bucket: events.S3Bucket{
					Name:          r.S3.Bucket.Name,
					OwnerIdentity: events.S3UserIdentity{PrincipalID: "LOCAL"},
					Arn:           or(r.S3.Bucket.Arn, "arn:aws:s3:::"+r.S3.Bucket.Name),
				},
				Object: events.S3Object{
					Key:           r.S3.Object.Key,
					Size:          r.S3.Object.Size,
					URLDecodedKey: decoded,
					VersionID:     r.S3.Object.VersionID,
					ETag:          r.S3.Object.ETag,
					Sequencer:     fmt.Sprintf("%016X", uint64(time.Now().UnixNano())+p.seq.Add(1)),
				},
			},
		})
	}
	return ev, true, nil
}
