// Command arxport converts building models into the files other software opens.
//
//	arxport export MODEL -f FORMATS|all -o DIR
//	arxport validate MODEL
//	arxport gen --elements N -o FILE
//	arxport formats
//
// Exit codes: 0 done, 2 the model or the arguments are invalid (nothing written),
// 1 anything else.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/spf13/cobra"

	_ "github.com/arxos/arxport/formats/all"
	"github.com/arxos/arxport/model"
)

// usageError marks a problem with what the caller asked for: exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:]))
}

func run(ctx context.Context, args []string) int {
	root := &cobra.Command{
		Use:           "arxport",
		Short:         "Export building models to IFC, glTF, Excel, Parquet, GeoJSON and more",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	var cpuProfile string
	root.PersistentFlags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile to this file (for benchmarks)")
	root.PersistentFlags().MarkHidden("cpuprofile")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if cpuProfile == "" {
			return nil
		}
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		return pprof.StartCPUProfile(f)
	}
	defer pprof.StopCPUProfile()
	root.AddCommand(exportCmd(), validateCmd(), genCmd(), formatsCmd(), asciibimCmd(), devCmd(), submitCmd(), watchCmd())
	root.SetArgs(args)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var invalid *model.InvalidError
	switch {
	case errors.As(err, &invalid):
		printProblems(os.Stderr, invalid.Problems)
		return 2
	case errors.As(err, new(usageError)):
		fmt.Fprintln(os.Stderr, "arxport:", err)
		return 2
	default:
		fmt.Fprintln(os.Stderr, "arxport:", err)
		return 1
	}
}
