package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/mailtrace/mailtrace/analyzer/report"
)

func newReportCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var o viewOptions
	cmd := &cobra.Command{
		Use:   "report [flags] FILE... -o report.html",
		Short: "Write one HTML page of the captures: overview, charts and a sequence diagram per session",
		Example: `  mailtrace report samples/smtp1.pcapng -o smtp1.html
  mailtrace report --lang es --redact lab.pcapng -o entrega.html
  mailtrace report --diagrams 20 day.pcap -o - | gzip > day.html.gz`,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) == 0:
				return usage("ui.usage.nofile", "report")
			case o.output == "":
				return usage("ui.usage.reportout")
			case o.diagrams < 0:
				return usage("ui.usage.diagrams")
			}
			if o.output == "-" {
				o.output = ""
			}
			o.report, o.inputs, o.color = true, args, "never"
			return runRead(cmd.Context(), o, args, stdin, stdout, stderr)
		},
	}
	o.registerInput(cmd.Flags())
	cmd.Flags().IntVar(&o.diagrams, "diagrams", report.DefaultDiagrams, "draw the first `N` sessions as sequence diagrams; the rest are listed without one")
	return cmd
}
