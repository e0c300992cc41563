package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestLMTPJourney: the lab's servers with Postfix delivering over LMTP
// to Dovecot: the message submitted on 587 is delivered over LMTP, once
// per recipient's mailbox, then read over IMAP; each hop in its place.
func TestLMTPJourney(t *testing.T) {
	out, _, err := runCLI(t, nil, "read", "--json", "../../samples/lmtp-journey.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Journeys []struct {
			Subject string
			Hops    []struct {
				Protocol, Action string
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	for _, j := range doc.Journeys {
		if j.Subject != "entregado por LMTP" {
			continue
		}
		var hops []string
		for _, h := range j.Hops {
			hops = append(hops, h.Protocol+" "+h.Action)
		}
		if got := strings.Join(hops, ", "); got != "smtp submitted, lmtp delivered, lmtp delivered, imap read" {
			t.Errorf("hops: %s", got)
		}
		return
	}
	t.Fatalf("no journey of the LMTP sample's message in %d", len(doc.Journeys))
}
