package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/render"
	"github.com/mailtrace/mailtrace/analyzer/where"
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

// cobraUsage are the beginnings of the usage errors the flag and command
// parsers write, by catalog key: in Spanish they are said in Spanish,
// with what the user typed kept as typed.
var cobraUsage = []struct{ prefix, key string }{
	{"unknown shorthand flag: ", "ui.usage.unknownshort"},
	{"unknown flag: ", "ui.usage.unknownflag"},
	{"unknown command ", "ui.usage.unknowncommand"},
	{"flag needs an argument: ", "ui.usage.needsarg"},
	{"invalid argument ", "ui.usage.invalid"},
}

// errorLine is the line main writes for err, in l: the usage errors of
// the flag parser translated, any other as it is.
func errorLine(err error, l explain.Lang) string {
	text := err.Error()
	if unknownCommand(err) {
		// Cobra's own is several lines: the command, then its guesses.
		first, guesses, _ := strings.Cut(text, "\n")
		text = strings.TrimSuffix(first, ` for "mailtrace"`)
		var names []string
		for _, g := range strings.Split(guesses, "\n") {
			if g = strings.TrimSpace(g); g != "" && !strings.HasSuffix(g, "?") {
				names = append(names, g)
			}
		}
		if len(names) > 0 {
			text += fmt.Sprintf(explain.Say("ui.usage.didyoumean", l), strings.Join(names, ", "))
		}
	}
	var fe *reassembly.FileError
	var short reassembly.TooShort
	var other reassembly.NotCapture
	switch {
	case l != explain.Spanish || !errors.As(err, &fe):
	case errors.As(fe.Err, &short):
		text = fe.Path + ": " + fmt.Sprintf(explain.Say("ui.file.short", l), short.Bytes)
	case errors.As(fe.Err, &other):
		text = fe.Path + ": " + fmt.Sprintf(explain.Say("ui.file.notcapture", l), other.Head)
	default:
		// The file and what is wrong with it, in the student's words.
		for _, c := range []struct {
			err error
			key string
		}{{fs.ErrNotExist, "ui.file.notexist"}, {fs.ErrPermission, "ui.file.permission"}, {reassembly.ErrDirectory, "ui.file.directory"},
			{reassembly.ErrEmptyFile, "ui.file.empty"}} {
			if errors.Is(fe.Err, c.err) {
				text = fe.Path + ": " + explain.Say(c.key, l)
				break
			}
		}
	}
	var u usageError
	var bad *reassembly.FilterError
	var we *where.Error
	switch {
	case errors.As(err, &bad):
		text = fmt.Sprintf(explain.Say("ui.filter.wrap", l), bad.Expr, fmt.Sprintf(explain.Say("ui.filter."+bad.Key, l), bad.Args...))
	case errors.As(err, &we):
		text = fmt.Sprintf(explain.Say("ui.where.wrap", l), we.Expr, fmt.Sprintf(explain.Say("ui.where."+we.Key, l), we.Args...), where.FieldNames())
	case errors.As(err, &u) && u.key != "":
		text = fmt.Sprintf(explain.Say(u.key, l), u.args...)
	}
	if l == explain.Spanish && exitCode(err) == 2 {
		for _, c := range cobraUsage {
			if rest, ok := strings.CutPrefix(text, c.prefix); ok {
				text = explain.Say(c.key, l) + strings.Replace(rest, "' in -", "' en -", 1)
				break
			}
		}
	}
	return "mailtrace: " + render.Escape(text)
}

// unknownCommand is cobra's error for a command it does not have, which
// comes to main without passing the flag error hook.
func unknownCommand(err error) bool { return strings.HasPrefix(err.Error(), "unknown command ") }

// langOf is the language a run asked for, read off its arguments as the
// flag parser may have failed before it read --lang, else the
// environment's.
func langOf(args []string, getenv func(string) string) explain.Lang {
	for i, a := range args {
		v, ok := strings.CutPrefix(a, "--lang=")
		if !ok && a == "--lang" && i+1 < len(args) {
			v, ok = args[i+1], true
		}
		if l, known := explain.ParseLang(v); ok && known {
			return l
		}
	}
	return explain.FromEnv(getenv)
}
