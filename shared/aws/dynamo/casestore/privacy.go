package casestore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/casework"
)

// keptEventDetail are the audit details that name no diner (a card id, a
// severity, a level, an outcome, the staff member a case was assigned to);
// every other detail (a reopening's reason, notes) is free text and goes
// with an erasure.
var keptEventDetail = map[string]bool{"card": true, "severity": true, "level": true, "outcome": true, "status": true, "assignee": true}

// EraseCase removes a case's contact details (diner key, name, phone),
// free text (what the diner said, the remedy and notes of each call, free
// details of its audit entries) and the search terms they gave (number,
// name, comment words), keeping its timings, outcome, cards and counters. The case's version is incremented on the condition that it is
// the one read, so a change read before cannot put the details back; a
// conflict reads again. Erasing an erased or missing case writes nothing.
func (ks *Cases) EraseCase(ctx context.Context, id string) error {
	for attempt := 0; ; attempt++ {
		err := ks.eraseCase(ctx, id)
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) && attempt < 5 {
			continue
		}
		if errors.As(err, &ccf) {
			return dynamo.Unavailable("erase case "+id, err)
		}
		return err
	}
}

func (ks *Cases) eraseCase(ctx context.Context, id string) error {
	items, err := dynamo.PartitionItems(ctx, ks.t, casePK(id), "", "case "+id)
	if err != nil {
		return err
	}
	for _, item := range items {
		sk, _ := item["sk"].(*types.AttributeValueMemberS)
		switch {
		case sk == nil:
		case sk.Value == "CASE":
			if err := ks.eraseCaseItem(ctx, id, item); err != nil {
				return err
			}
		case strings.HasPrefix(sk.Value, "AUDIT#"):
			if err := ks.eraseEvent(ctx, id, sk.Value, item); err != nil {
				return err
			}
		}
	}
	return ks.erasePersonalTerms(ctx, id, items)
}

func (ks *Cases) eraseCaseItem(ctx context.Context, id string, item map[string]types.AttributeValue) error {
	var k casework.Case
	if err := attributevalue.UnmarshalMap(item, &k); err != nil {
		return fmt.Errorf("unmarshal case %s: %w", id, err)
	}
	dirty := k.DinerKey != "" || k.DinerName != "" || k.DinerPhone != ""
	contacts := make([]casework.Contact, len(k.Contacts))
	for i, c := range k.Contacts {
		dirty = dirty || c.Listened != "" || c.Remedy != "" || c.Notes != ""
		c.Listened, c.Remedy, c.Notes = "", "", ""
		contacts[i] = c
	}
	if !dirty {
		return nil
	}
	upd := expression.Remove(expression.Name("dinerKey")).Remove(expression.Name("dinerName")).Remove(expression.Name("dinerPhone")).
		Set(expression.Name("contacts"), expression.Value(contacts)).
		Set(expression.Name("erased"), expression.Value(true)).
		Add(expression.Name("version"), expression.Value(1))
	expr, err := expression.NewBuilder().WithUpdate(upd).
		WithCondition(expression.Name("version").Equal(expression.Value(k.Version))).Build()
	if err != nil {
		return fmt.Errorf("build erasure of case %s: %w", id, err)
	}
	err = dynamo.UpdateWith(ctx, ks.t, dynamo.Key(casePK(id), "CASE"), expr)
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return err // the caller reads again
	}
	if err != nil {
		return dynamo.Unavailable("erase case "+id, err)
	}
	return nil
}

func (ks *Cases) eraseEvent(ctx context.Context, id, sk string, item map[string]types.AttributeValue) error {
	var ev casework.Event
	if err := attributevalue.UnmarshalMap(item, &ev); err != nil {
		return fmt.Errorf("unmarshal case %s event: %w", id, err)
	}
	kept := map[string]string{}
	for k, v := range ev.Detail {
		if keptEventDetail[k] {
			kept[k] = v
		}
	}
	if len(kept) == len(ev.Detail) {
		return nil
	}
	upd := expression.Set(expression.Name("detail"), expression.Value(kept))
	expr, err := expression.NewBuilder().WithUpdate(upd).Build()
	if err != nil {
		return fmt.Errorf("build erasure of case %s event: %w", id, err)
	}
	if err := dynamo.UpdateWith(ctx, ks.t, dynamo.Key(casePK(id), sk), expr); err != nil {
		return dynamo.Unavailable("erase case "+id+" event", err)
	}
	return nil
}
