package exports

import (
	"time"

	"github.com/arxos/arxport/jobstore"
)

// CloseIfDone ends the job when every format has ended: completed when all
// completed, failed when none did, partial otherwise.
func CloseIfDone(j *jobstore.Job, now time.Time) bool {
	if j.Status.Terminal() {
		return false
	}
	var done, failed, cancelled int
	for _, f := range j.Formats {
		switch f.Status {
		case jobstore.Completed:
			done++
		case jobstore.Failed:
			failed++
		case jobstore.Cancelled:
			cancelled++
		default:
			return false
		}
	}
	switch {
	case done == len(j.Formats):
		j.Status = jobstore.Completed
	case done == 0 && cancelled == 0:
		j.Status = jobstore.Failed
	case done == 0 && failed == 0:
		j.Status = jobstore.Cancelled
	default:
		j.Status = jobstore.Partial
	}
	if j.Status == jobstore.Failed || j.Status == jobstore.Partial {
		for _, f := range j.Formats {
			if f.Error != nil {
				j.Error = &jobstore.Error{Code: f.Error.Code, Message: f.Format + ": " + f.Error.Message,
					Recoverable: f.Error.Recoverable, Errors: f.Error.Errors}
				break
			}
		}
	}
	j.FinishedAt = now
	return true
}
