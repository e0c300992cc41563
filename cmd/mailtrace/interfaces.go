package main

import (
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/spf13/cobra"
)

func newInterfacesCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "interfaces",
		Short: "List the interfaces live can capture on, with their addresses",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ifs, err := net.Interfaces()
			if err != nil {
				return err
			}
			for i, ifi := range ifs {
				state := "down"
				if ifi.Flags&net.FlagUp != 0 {
					state = "up"
				}
				if ifi.Flags&net.FlagLoopback != 0 {
					state += ", loopback"
				}
				var addrs []string
				if as, err := ifi.Addrs(); err == nil {
					for _, a := range as {
						addrs = append(addrs, a.String())
					}
				}
				fmt.Fprintf(stdout, "%d. %s (%s) %s\n", i+1, ifi.Name, state, strings.Join(addrs, " "))
			}
			return nil
		},
	}
}
