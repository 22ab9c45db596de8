package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"github.com/nashra/nashra/internal/store"
)

// RescueOrphans makes the running jobs of dead nashra processes on this
// host available again at once. River's own rescuer would wait
// RescueStuckJobsAfter (minutes) because it cannot tell a dead worker from a
// slow one; a process on the same host can: the client ID names the PID
// (see clientID), and a PID that no longer exists is dead. Jobs of other
// hosts are left to River's rescuer. It returns how many jobs it rescued.
//
// Before that, commit marks that dead processes held outside the ledger
// (store.MarkRecoverer: SQLite's journal) are moved into it, so that the
// rescued deliveries that had passed their mark are recorded as sent, not
// sent again.
func (q *Queue) RescueOrphans(ctx context.Context) (int, error) {
	if mr, ok := q.svc.st.(store.MarkRecoverer); ok {
		n, err := mr.RecoverMarks(ctx)
		if err != nil {
			// Rescuing now could send again what a dead process sent:
			// leave its jobs to the next round.
			return 0, fmt.Errorf("delivery: rescue: %w", err)
		}
		if n > 0 {
			q.opts.Log.Info("recovered commit marks of dead processes", "deliveries", n)
		}
	}
	exec := q.driver.GetExecutor()
	_, _, selfHost := parseClientID(q.id)
	var (
		ids       []int64
		errs      [][]byte
		finalized []*time.Time
		sched     []time.Time
		states    []string
	)
	now := time.Now().UTC()
	var after int64
	for {
		jobs, err := exec.JobGetStuck(ctx, &riverdriver.JobGetStuckParams{AfterID: after, Max: 1000, StuckHorizon: now.Add(time.Second)})
		if err != nil {
			return 0, fmt.Errorf("delivery: rescue: %w", err)
		}
		if len(jobs) == 0 {
			break
		}
		for _, j := range jobs {
			after = j.ID
			if j.State != rivertype.JobStateRunning || len(j.AttemptedBy) == 0 {
				continue
			}
			owner := j.AttemptedBy[len(j.AttemptedBy)-1]
			if owner == q.id {
				continue
			}
			pid, _, h := parseClientID(owner)
			if pid <= 0 || h != selfHost || alive(pid) {
				continue
			}
			e, _ := json.Marshal(rivertype.AttemptError{At: now, Attempt: j.Attempt,
				Error: "rescued: process " + owner + " is gone"})
			ids = append(ids, j.ID)
			errs = append(errs, e)
			finalized = append(finalized, nil)
			sched = append(sched, now)
			states = append(states, string(rivertype.JobStateAvailable))
		}
		if len(jobs) < 1000 {
			break
		}
	}
	if len(ids) == 0 {
		return 0, nil
	}
	if _, err := exec.JobRescueMany(ctx, &riverdriver.JobRescueManyParams{
		ID: ids, Error: errs, FinalizedAt: finalized, ScheduledAt: sched, State: states,
		StuckHorizon: now.Add(time.Second),
	}); err != nil {
		return 0, fmt.Errorf("delivery: rescue: %w", err)
	}
	return len(ids), nil
}

// parseClientID splits "nashra.PID.RANDOM.HOST".
func parseClientID(id string) (pid int, random, host string) {
	parts := strings.SplitN(id, ".", 4)
	if len(parts) != 4 || parts[0] != "nashra" {
		return 0, "", ""
	}
	pid, err := strconv.Atoi(parts[1])
	if err != nil {
		return 0, "", ""
	}
	return pid, parts[2], parts[3]
}

// alive reports whether a process with this PID exists (another process
// reusing a dead one's PID, or another client in this process, is taken as
// alive: River's rescuer handles those).
func alive(pid int) bool {
	if pid == os.Getpid() {
		return true
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
