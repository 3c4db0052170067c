package eventsource

import (
	"context"
	"fmt"
	"log"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/cardloop/cardloop/infra/provision"
	"github.com/cardloop/cardloop/infra/sam"
)

// Stack is what Start needs to know about a provisioned template.
type Stack struct {
	// Config points at the emulator.
	Config   aws.Config
	Template *sam.Template
	// Resolver resolves event properties to physical names.
	Resolver *sam.Resolver
	// Resources are the provisioned resources by logical id.
	Resources map[string]provision.Resource
	// Functions are the running functions by logical id.
	Functions map[string]Invoker
	// Prefix names helper resources (S3 notification queues).
	Prefix string
	// Log receives the pollers' notes; nothing when nil.
	Log *log.Logger
}

// Running is the set of started event sources.
type Running struct {
	// Descriptions say what each poller delivers, for the runner's banner.
	Descriptions []string
	wg           sync.WaitGroup
}

// Wait blocks until every poller has stopped (after ctx of Start ends).
func (r *Running) Wait() { r.wg.Wait() }

// Start starts a poller for every DynamoDB, SQS and S3 event of the
// template's functions; they run until ctx ends.
func Start(ctx context.Context, st Stack) (*Running, error) {
	fns, err := st.Template.Functions()
	if err != nil {
		return nil, err
	}
	logger := st.Log
	if logger == nil {
		logger = log.New(discard{}, "", 0)
	}
	streams := dynamodbstreams.NewFromConfig(st.Config)
	queues := sqs.NewFromConfig(st.Config)
	buckets := s3.NewFromConfig(st.Config, func(o *s3.Options) { o.UsePathStyle = true })
	byARN := map[string]provision.Resource{}
	for _, r := range st.Resources {
		byARN[r.ARN] = r
		if r.StreamARN != "" {
			byARN[r.StreamARN] = r
		}
	}
	run := &Running{}
	var runners []func(context.Context) error
	var s3cfgs []S3Config
	for _, f := range fns {
		fn, ok := st.Functions[f.LogicalID]
		for _, e := range f.Events {
			if e.Type != "DynamoDB" && e.Type != "SQS" && e.Type != "S3" {
				continue
			}
			if !ok {
				return nil, fmt.Errorf("event %s of %s: function not running", e.Name, f.LogicalID)
			}
			v, err := st.Resolver.Resolve(e.Properties)
			if err != nil {
				return nil, fmt.Errorf("event %s of %s: %w", e.Name, f.LogicalID, err)
			}
			p, _ := v.(map[string]any)
			if enabled, isBool := p["Enabled"].(bool); isBool && !enabled {
				continue
			}
			window := time.Duration(intProp(p, "MaximumBatchingWindowInSeconds", 0)) * time.Second
			reportFailures := false
			if l, _ := p["FunctionResponseTypes"].([]any); len(l) > 0 {
				for _, x := range l {
					reportFailures = reportFailures || x == "ReportBatchItemFailures"
				}
			}
			switch e.Type {
			case "DynamoDB":
				streamARN, _ := p["Stream"].(string)
				cfg := StreamConfig{
					Function:                f.LogicalID,
					FunctionARN:             st.Resources[f.LogicalID].ARN,
					StreamARN:               streamARN,
					StartingPosition:        str(p["StartingPosition"], "LATEST"),
					BatchSize:               intProp(p, "BatchSize", 100),
					BatchWindow:             window,
					MaxRetryAttempts:        intProp(p, "MaximumRetryAttempts", -1),
					Bisect:                  p["BisectBatchOnFunctionError"] == true,
					ReportBatchItemFailures: reportFailures,
				}
				if dc, _ := p["DestinationConfig"].(map[string]any); dc != nil {
					of, _ := dc["OnFailure"].(map[string]any)
					dest, _ := of["Destination"].(string)
					if dest != "" {
						q, ok := byARN[dest]
						if !ok || q.URL == "" {
							return nil, fmt.Errorf("event %s of %s: on-failure destination %s is not a queue of the template", e.Name, f.LogicalID, dest)
						}
						cfg.OnFailureQueueURL = q.URL
					}
				}
				poller := NewStreamPoller(cfg, streams, queues, fn, logger)
				runners = append(runners, poller.Run)
				run.Descriptions = append(run.Descriptions, fmt.Sprintf("%s ← DynamoDB stream of %s (%s)", f.LogicalID, byARN[streamARN].LogicalID, e.Name))
			case "SQS":
				queueARN, _ := p["Queue"].(string)
				q, ok := byARN[queueARN]
				if !ok || q.URL == "" {
					return nil, fmt.Errorf("event %s of %s: queue %s is not a queue of the template", e.Name, f.LogicalID, queueARN)
				}
				poller := NewQueuePoller(QueueConfig{
					Function:                f.LogicalID,
					QueueURL:                q.URL,
					QueueARN:                q.ARN,
					BatchSize:               intProp(p, "BatchSize", 10),
					BatchWindow:             window,
					ReportBatchItemFailures: reportFailures,
				}, queues, fn, logger)
				runners = append(runners, poller.Run)
				run.Descriptions = append(run.Descriptions, fmt.Sprintf("%s ← SQS queue %s (%s)", f.LogicalID, q.LogicalID, e.Name))
			case "S3":
				c := S3Config{Function: f.LogicalID, Event: e.Name, Bucket: str(p["Bucket"], "")}
				switch ev := p["Events"].(type) {
				case string:
					c.Events = []string{ev}
				case []any:
					for _, x := range ev {
						c.Events = append(c.Events, str(x, ""))
					}
				}
				filter, _ := p["Filter"].(map[string]any)
				key, _ := filter["S3Key"].(map[string]any)
				rules, _ := key["Rules"].([]any)
				for _, r := range rules {
					rm, _ := r.(map[string]any)
					switch str(rm["Name"], "") {
					case "prefix":
						c.Prefix = str(rm["Value"], "")
					case "suffix":
						c.Suffix = str(rm["Value"], "")
					}
				}
				s3cfgs = append(s3cfgs, c)
				run.Descriptions = append(run.Descriptions, fmt.Sprintf("%s ← S3 bucket %s %v prefix %q suffix %q (%s)", f.LogicalID, c.Bucket, c.Events, c.Prefix, c.Suffix, e.Name))
			}
		}
	}
	if len(s3cfgs) > 0 {
		wired, err := WireS3(ctx, buckets, queues, st.Prefix, s3cfgs)
		if err != nil {
			return nil, err
		}
		for _, w := range wired {
			poller := NewS3Poller(w, queues, st.Functions[w.Config.Function], logger)
			runners = append(runners, poller.Run)
		}
	}
	for _, r := range runners {
		run.wg.Add(1)
		go func() {
			defer run.wg.Done()
			for ctx.Err() == nil {
				err := r(ctx)
				if err == nil || ctx.Err() != nil {
					return
				}
				logger.Printf("event source stopped: %v; restarting in 1s", err)
				sleep(ctx, time.Second)
			}
		}()
	}
	return run, nil
}

func intProp(p map[string]any, key string, def int) int {
	switch v := p[key].(type) {
	case int:
		return v
	case float64:
		return int(v)
	case string:
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return def
}

func str(v any, def string) string {
	if s, ok := v.(string); ok && s != "" {
		return s
	}
	return def
}
