package main

import (
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/mailtrace/mailtrace/analyzer/explain"
)

// englishPhrases are the pieces of the catalog's English side that no
// Spanish text shares: what a view under --lang es must never say. A
// piece is the text between format verbs, of at least two words.
func englishPhrases() []string {
	cat := explain.NewCatalog()
	var spanish strings.Builder
	for _, t := range cat {
		spanish.WriteString(t.Es)
		spanish.WriteByte('\n')
	}
	es := spanish.String()
	verb := regexp.MustCompile(`%[-0-9.]*[a-zA-Z]|\|`)
	words := regexp.MustCompile(`[A-Za-z]{2,}[^A-Za-z]+[A-Za-z]{2,}`)
	seen := map[string]bool{}
	for _, t := range cat {
		for _, piece := range verb.Split(t.En, -1) {
			piece = strings.TrimSpace(piece)
			if len(piece) < 8 || !words.MatchString(piece) || strings.Contains(es, piece) {
				continue
			}
			seen[piece] = true
		}
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// TestSpanishEverywhere runs every view of every sample under --lang es
// and fails on any English phrase of the catalog in what it writes,
// standard error included. JSON stays English and is not run.
func TestSpanishEverywhere(t *testing.T) {
	phrases := englishPhrases()
	if len(phrases) < 50 {
		t.Fatalf("only %d English phrases to look for: the catalog did not load", len(phrases))
	}
	views := [][]string{
		{"read"}, {"read", "--explain"}, {"read", "--ladder"}, {"read", "--stats"}, {"read", "--summary"},
		{"read", "--journey"}, {"read", "--compare"}, {"read", "--full"}, {"read", "--follow"}, {"report", "-o", "-"},
	}
	for _, sample := range samples(t) {
		name := strings.TrimSuffix(filepath.Base(sample), ".pcapng")
		for _, v := range views {
			args := append(append([]string{v[0], "--lang", "es"}, v[1:]...), sample)
			stdout, stderr, err := runCLI(t, nil, args...)
			if err != nil {
				t.Errorf("%s %v: %v", name, v, err)
				continue
			}
			for _, p := range phrases {
				if strings.Contains(stdout, p) || strings.Contains(stderr, p) {
					t.Errorf("%s %v says %q in English", name, v, p)
				}
			}
		}
	}
}
