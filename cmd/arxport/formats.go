package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/arxos/arxport/formats"
)

func formatsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "formats",
		Short: "List the output formats and their options",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			for _, f := range formats.List() {
				fmt.Fprintf(w, "%s\t%s\t%s\n", f.Name, f.Family, f.Title)
				for _, o := range f.Options {
					def := fmt.Sprint(o.Default)
					if o.Kind == formats.String {
						def = fmt.Sprintf("%q", o.Default)
					}
					extra := ""
					if len(o.Enum) > 0 {
						extra = " (" + strings.Join(o.Enum, "|") + ")"
					}
					fmt.Fprintf(w, "  %s.%s\t%s = %s\t%s%s\n", f.Name, o.Name, o.Kind, def, o.Doc, extra)
				}
			}
			return w.Flush()
		},
	}
}
