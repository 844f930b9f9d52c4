package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/arxos/arxport/model"
)

func validateCmd() *cobra.Command {
	var skip bool
	cmd := &cobra.Command{
		Use:   "validate MODEL",
		Short: "Check a model (JSON or NDJSON, optionally gzipped; - for stdin) and print every problem",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := model.OpenFile(cmd.Context(), args[0], &model.Options{SkipInvalid: skip})
			if err != nil {
				return err
			}
			defer m.Close()
			printProblems(os.Stderr, m.Warnings)
			s := m.Stats
			fmt.Fprintf(cmd.OutOrStdout(), "valid: %s (%s): %d floors, %d rooms, %d elements, %d connections, %d warnings\n",
				m.Building.Name, m.Building.ID, s.Floors, s.Rooms, s.Elements, s.Connections, len(m.Warnings))
			return nil
		},
	}
	cmd.Flags().BoolVar(&skip, "skip-invalid", false, "leave out invalid elements with a warning instead of failing")
	return cmd
}

func printProblems(w io.Writer, ps []model.Problem) {
	for _, p := range ps {
		fmt.Fprintln(w, p.String())
	}
}
