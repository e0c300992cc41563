package replyq

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestQueue(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	tests := []struct {
		name     string
		sent     []int // ms each command was sent
		server   int   // ms of the last server bytes before the gap
		gap      bool
		want     string
		wantLost []string
	}{
		{"pipelined, no gap", []int{1, 1, 1}, 0, false, "c0", nil},
		{"pipelined in one segment survive a gap", []int{5, 5, 5}, 2, true, "c0", nil},
		{"commands sent after the gap began were answered unseen", []int{3, 4, 5}, 2, true, "c2", []string{"c0", "c1"}},
		{"a command sent before the last server bytes keeps the one before it", []int{1, 2, 5}, 3, true, "c0", nil},
		{"commands sent together after the gap keep the first", []int{1, 4, 4}, 3, true, "c1", []string{"c0"}},
	}
	for _, tc := range tests {
		var q Queue[string]
		for i, ms := range tc.sent {
			q.Push("c"+string(rune('0'+i)), at(ms), -1)
		}
		q.ServerData(at(tc.server))
		if tc.gap {
			q.ServerGap()
		}
		got, lost, ok := q.Next()
		if !ok || got != tc.want || len(lost) != len(tc.wantLost) {
			t.Errorf("%s: got %q lost %q ok %v, want %q lost %q", tc.name, got, lost, ok, tc.want, tc.wantLost)
			continue
		}
		for i := range lost {
			if lost[i] != tc.wantLost[i] {
				t.Errorf("%s: lost %q, want %q", tc.name, lost, tc.wantLost)
			}
		}
	}
	// With acknowledgements: pipelined commands acknowledge the same
	// server bytes, whatever their times.
	var q Queue[string]
	q.Push("EHLO", at(1), 10)
	q.Push("MAIL", at(5), 80)
	q.Push("RCPT", at(6), 80)
	q.ServerData(at(0))
	q.ServerGap()
	if got, lost, _ := q.Next(); got != "MAIL" || len(lost) != 1 || lost[0] != "EHLO" {
		t.Errorf("acknowledgements: got %q lost %q, want MAIL after EHLO lost", got, lost)
	}

	var empty Queue[int]
	if _, _, ok := empty.Next(); ok {
		t.Error("an empty queue gave a command")
	}
}

func TestQueueBounded(t *testing.T) {
	var q Queue[int]
	for i := range MaxWaiting {
		if _, dropped := q.Push(i, time.Time{}, -1); dropped {
			t.Fatalf("dropped at %d", i)
		}
	}
	if oldest, dropped := q.Push(MaxWaiting, time.Time{}, -1); !dropped || oldest != 0 || q.Len() != MaxWaiting {
		t.Fatalf("past the bound: dropped %v (%d), %d held", dropped, oldest, q.Len())
	}
	if v, _, _ := q.Next(); v != 1 {
		t.Errorf("next %d, want 1", v)
	}
}

// TestOrderAsASlice: pushes and replies in any mix, across the ring's
// wrap and growth and past MaxWaiting, keep the order a plain slice
// keeps.
func TestOrderAsASlice(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var q Queue[int]
	var model []int
	t0 := time.Unix(0, 0)
	for i := range 200000 {
		if rng.IntN(3) > 0 || i > 150000 && rng.IntN(50) > 0 {
			oldest, dropped := q.Push(i, t0, -1)
			if len(model) >= MaxWaiting {
				if !dropped || oldest != model[0] {
					t.Fatalf("push %d: dropped %v %d, want %d", i, dropped, oldest, model[0])
				}
				model = model[1:]
			}
			model = append(model, i)
		} else {
			v, _, ok := q.Next()
			if ok != (len(model) > 0) || ok && v != model[0] {
				t.Fatalf("reply %d: got %d %v, want %v", i, v, ok, model[:min(1, len(model))])
			}
			if ok {
				model = model[1:]
			}
		}
		if q.Len() != len(model) {
			t.Fatalf("step %d: %d waiting, want %d", i, q.Len(), len(model))
		}
	}
}
