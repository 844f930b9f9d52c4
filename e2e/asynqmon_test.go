package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/hibiken/asynqmon"

	"github.com/arxos/arxport/tasks"
)

// TestAsynqmon: asynqmon pointed at the service's Redis shows its queues and
// tasks whose payloads a person can read (job id, format, model key).
func TestAsynqmon(t *testing.T) {
	s := newStack(t) // no worker: the tasks wait in their queue
	ctx := ctxFor(t, time.Minute)
	c := s.client(keyAcme)
	req := request(example(t), "csv", "ifc")
	req.Priority = "high"
	j, err := c.Submit(ctx, req, "")
	if err != nil {
		t.Fatal(err)
	}
	opt, err := asynq.ParseRedisURI(envOf(s, "REDIS_URL"))
	if err != nil {
		t.Fatal(err)
	}
	mon := asynqmon.New(asynqmon.Options{RootPath: "/monitor", RedisConnOpt: opt})
	defer mon.Close()
	srv := httptest.NewServer(mon)
	defer srv.Close()

	get := func(path string, v any) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", path, resp.Status)
		}
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	var queues struct {
		Queues []struct {
			Queue string `json:"queue"`
			Size  int    `json:"size"`
		} `json:"queues"`
	}
	get("/monitor/api/queues", &queues)
	sizes := map[string]int{}
	for _, q := range queues.Queues {
		sizes[q.Queue] = q.Size
	}
	if sizes[tasks.QueueHigh] != 2 {
		t.Fatalf("asynqmon queues: %+v", queues)
	}
	var pending struct {
		Tasks []struct {
			ID      string `json:"id"`
			Type    string `json:"type"`
			Payload string `json:"payload"`
		} `json:"tasks"`
	}
	get("/monitor/api/queues/high/pending_tasks", &pending)
	if len(pending.Tasks) != 2 {
		t.Fatalf("pending tasks: %+v", pending)
	}
	for _, task := range pending.Tasks {
		var p tasks.Export
		if task.Type != tasks.TypeExport || json.Unmarshal([]byte(task.Payload), &p) != nil || p.JobID != j.ID ||
			!strings.HasPrefix(task.ID, j.ID+":") || p.Format == "" {
			t.Errorf("task as asynqmon shows it: %+v", task)
		}
	}
}
