package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/render"
	"github.com/mailtrace/mailtrace/reassembly"
)

// warner says the reader's warnings on stderr, one line each, in l: the
// two a student meets (an empty capture, one cut short by a stopped
// tcpdump) in words; any other as the reader wrote it.
func warner(stderr io.Writer, l explain.Lang) func(reassembly.Warning) {
	return func(w reassembly.Warning) {
		path := render.Escape(w.Path)
		var cut *reassembly.CutShort
		switch {
		case errors.Is(w.Err, reassembly.ErrNoPackets):
			fmt.Fprintf(stderr, explain.Say("ui.warn.nopackets", l)+"\n", path)
		case errors.As(w.Err, &cut):
			fmt.Fprintf(stderr, explain.Say("ui.warn.cutshort", l)+"\n", path, cut.Packets, render.Escape(cut.Err.Error()))
		default:
			fmt.Fprintf(stderr, explain.Say("ui.warn.other", l)+"\n", render.Escape(w.Error()))
		}
	}
}
