// Package sesquota reads the SES account's send rate (SES v1 GetSendQuota) and
// paces bulk senders below it.
package sesquota

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/ses"
	"golang.org/x/time/rate"
)

// quotaAPI is SES (v1) GetSendQuota: SES v2's GetAccount gives the same
// figure, but v1 is what the local emulator answers too.
type quotaAPI interface {
	GetSendQuota(ctx context.Context, in *ses.GetSendQuotaInput, opts ...func(*ses.Options)) (*ses.GetSendQuotaOutput, error)
}

// Headroom is the share of the account's send rate one sender uses: SES
// counts every message of the account, including case e-mails.
const Headroom = 0.8

// Limiter returns a limiter that paces one of senders concurrent senders
// below the account's maximum send rate (messages per second, read from
// SES), with a burst of one so sends are spread evenly.
func Limiter(ctx context.Context, api quotaAPI, senders int) (*rate.Limiter, float64, error) {
	out, err := api.GetSendQuota(ctx, &ses.GetSendQuotaInput{})
	if err != nil {
		return nil, 0, fmt.Errorf("read SES send quota: %w", err)
	}
	if out.MaxSendRate <= 0 {
		return nil, 0, fmt.Errorf("read SES send quota: max send rate is %v", out.MaxSendRate)
	}
	per := out.MaxSendRate * Headroom / float64(max(senders, 1))
	return rate.NewLimiter(rate.Limit(per), 1), out.MaxSendRate, nil
}
