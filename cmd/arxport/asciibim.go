package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/arxos/arxport/formats/asciibim"
)

func asciibimCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "asciibim FILE",
		Short: "Read an ASCII-BIM file back: its floors, rooms, equipment, connections and whether its checksum matches",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			doc, err := asciibim.Read(f)
			if err != nil {
				return usageError{fmt.Errorf("%s: %w", args[0], err)}
			}
			fmt.Fprint(cmd.OutOrStdout(), asciibim.Summary(doc))
			if !doc.ChecksumOK {
				return fmt.Errorf("%s: the checksum does not match: the file was edited after it was written", args[0])
			}
			return nil
		},
	}
}
