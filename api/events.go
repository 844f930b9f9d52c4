package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/arxos/arxport/exports"
	"github.com/arxos/arxport/jobstore"
	"github.com/arxos/arxport/storage"
)

// events streams a job's events as Server-Sent Events: from the start, or after
// Last-Event-ID, then live until the job ends.
func (s *Server) events(w http.ResponseWriter, r *http.Request, c exports.Caller) {
	ctx := r.Context()
	j, err := s.svc.Get(ctx, c, r.PathValue("id"))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	var after int64
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		if after, err = strconv.ParseInt(v, 10, 64); err != nil || after < 0 {
			s.problem(w, r, exports.Problemf(http.StatusBadRequest, exports.CodeInvalidRequest, "Last-Event-ID %q is not an event id", v))
			return
		}
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		s.problem(w, r, exports.Problemf(http.StatusInternalServerError, exports.CodeInternal, "streaming unsupported"))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	flusher.Flush()

	send := func(evs []jobstore.Event) (ended bool) {
		for _, e := range evs {
			if e.Seq <= after {
				continue
			}
			b, _ := json.Marshal(e)
			fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", e.Seq, e.Type, b)
			after = e.Seq
			if isTerminal(e.Type) {
				ended = true
			}
		}
		flusher.Flush()
		return ended
	}

	if j.Status.Terminal() {
		// An ended job's events are kept in the job store; if they are not there
		// yet, the live stream still has them. Either way the stream ends here.
		evs, err := s.svc.Store.Events(ctx, j.ID, after)
		if err != nil || len(evs) == 0 {
			evs, _ = s.svc.Tracker.Events(ctx, j.ID, after)
		}
		send(evs)
		return
	}
	heartbeat := time.Now()
	for ctx.Err() == nil {
		evs, err := s.svc.Tracker.Wait(ctx, j.ID, after, 5*time.Second)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.Warn("events stream", "job_id", j.ID, "err", err)
			time.Sleep(time.Second)
			continue
		}
		if len(evs) > 0 {
			if send(evs) {
				return
			}
			continue
		}
		// Nothing for a while: the job may have ended without the stream showing
		// it (its keys expired); a comment also keeps proxies from closing us.
		if time.Since(heartbeat) > 15*time.Second {
			fmt.Fprint(w, ": keep-alive\n\n")
			flusher.Flush()
			heartbeat = time.Now()
		}
		if cur, err := s.svc.Store.Get(ctx, j.ID); err == nil && cur.Status.Terminal() {
			if evs, err := s.svc.Store.Events(ctx, j.ID, after); err == nil {
				send(evs)
			}
			return
		} else if errors.Is(err, jobstore.ErrNotFound) {
			return
		}
	}
}

func isTerminal(t string) bool {
	switch t {
	case "job.completed", "job.failed", "job.partial", "job.cancelled":
		return true
	}
	return false
}

// file serves one file of a job (range requests work), or redirects to a signed
// storage URL when configured and the storage can sign.
func (s *Server) file(w http.ResponseWriter, r *http.Request, c exports.Caller) {
	ctx := r.Context()
	j, err := s.svc.Get(ctx, c, r.PathValue("id"))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	name := r.PathValue("name")
	var file *jobstore.File
	for _, f := range j.Formats {
		for i := range f.Files {
			if f.Files[i].Name == name {
				file = &f.Files[i]
			}
		}
	}
	if file == nil {
		s.problem(w, r, exports.Problemf(http.StatusNotFound, exports.CodeNotFound, "job %s has no file %q", j.ID, name))
		return
	}
	if s.cfg.SignedURLs {
		u, err := s.svc.Storage.SignedURL(ctx, file.Key, s.cfg.SignedURLTTL, file.Name)
		if err == nil {
			http.Redirect(w, r, u, http.StatusFound)
			return
		}
		if !errors.Is(err, storage.ErrNotSupported) {
			s.log.Warn("signing a file URL; serving it instead", "key", file.Key, "err", err)
		}
	}
	rd, obj, err := s.svc.Storage.Open(ctx, file.Key)
	if errors.Is(err, storage.ErrNotFound) {
		s.problem(w, r, exports.Problemf(http.StatusNotFound, exports.CodeNotFound, "file %q is no longer stored", name))
		return
	}
	if err != nil {
		s.log.Error("opening a file", "key", file.Key, "err", err)
		p := exports.Problemf(http.StatusServiceUnavailable, exports.CodeUnavailable, "storage unavailable, try again shortly")
		p.RetryAfter = 2 * time.Second
		s.problem(w, r, p)
		return
	}
	defer rd.Close()
	h := w.Header()
	ctype := file.ContentType
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", strings.ReplaceAll(file.Name, `"`, "")))
	h.Set("ETag", `"`+file.SHA256+`"`)
	h.Set("X-Checksum-Sha256", file.SHA256)
	http.ServeContent(w, r, "", obj.ModTime, rd)
}
