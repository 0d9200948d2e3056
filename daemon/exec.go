package daemon

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"
	"sync"

	"github.com/minidocker/minidocker/api"
)

// An exec is made in two steps, as in docker: POST /containers/ID/exec
// records what to run and returns its ID, POST /exec/ID/start runs it
// (hijacking the connection for its streams), and GET /exec/ID/json
// tells its exit code after. Execs live in the daemon's memory only:
// the process is the daemon's child (see engine.Exec), and dies with it.
type execSession struct {
	id, container string
	cfg           api.ExecConfig

	mu       sync.Mutex
	started  bool
	running  bool
	exitCode *int
	pid      int
	pty      *os.File // with Tty, the terminal's master: resize sets its size
}

type execStore struct {
	mu sync.Mutex
	m  map[string]*execSession
}

func (s *execStore) add(es *execSession) {
	s.mu.Lock()
	s.m[es.id] = es
	s.mu.Unlock()
}

func (s *execStore) get(id string) (*execSession, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if es, ok := s.m[id]; ok {
		return es, nil
	}
	return nil, &statusError{http.StatusNotFound, errNoSuchExec.Error() + ": " + id}
}

// of lists the execs of a container, for its inspect's ExecIDs.
func (s *execStore) of(container string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id, es := range s.m {
		if es.container == container {
			ids = append(ids, id)
		}
	}
	return ids
}

// prune forgets the finished execs of containers that are gone (a --rm
// container's monitor removes it without the daemon).
func (s *execStore) prune(exists func(container string) bool) {
	s.mu.Lock()
	containers := map[string]bool{}
	for _, es := range s.m {
		containers[es.container] = true
	}
	s.mu.Unlock()
	for c := range containers {
		if !exists(c) {
			s.forget(c)
		}
	}
}

// forget drops the finished execs of a container that is gone.
func (s *execStore) forget(container string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, es := range s.m {
		es.mu.Lock()
		done := es.container == container && !es.running
		es.mu.Unlock()
		if done {
			delete(s.m, id)
		}
	}
}

func newExecID() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (d *Daemon) createExec(w http.ResponseWriter, r *http.Request) error {
	c, err := d.container(r)
	if err != nil {
		return err
	}
	var cfg api.ExecConfig
	if err := readJSON(r, &cfg); err != nil {
		return err
	}
	if len(cfg.Cmd) == 0 {
		return badRequest(errNoCommand)
	}
	if !c.Running() {
		return &statusError{http.StatusConflict, "Container " + c.ID + " is not running"}
	}
	if c.State.Status == "paused" {
		return &statusError{http.StatusConflict, "Container " + c.ID + " is paused, unpause the container before exec"}
	}
	es := &execSession{id: newExecID(), container: c.ID, cfg: cfg}
	d.execs.prune(func(id string) bool { _, err := d.engine.Get(id); return err == nil })
	d.execs.add(es)
	return writeJSON(w, http.StatusCreated, api.CreateResponse{ID: es.id})
}

func (d *Daemon) inspectExec(w http.ResponseWriter, r *http.Request) error {
	es, err := d.execs.get(r.PathValue("id"))
	if err != nil {
		return err
	}
	es.mu.Lock()
	defer es.mu.Unlock()
	return writeJSON(w, http.StatusOK, api.ExecInspect{ID: es.id, Running: es.running, ExitCode: es.exitCode,
		ProcessConfig: api.ExecProcessConfig{Tty: es.cfg.Tty, Entrypoint: es.cfg.Cmd[0], Arguments: append([]string{}, es.cfg.Cmd[1:]...), User: es.cfg.User},
		OpenStdin:     es.cfg.AttachStdin, OpenStdout: es.cfg.AttachStdout, OpenStderr: es.cfg.AttachStderr,
		CanRemove: false, ContainerID: es.container, DetachKeys: es.cfg.DetachKeys, Pid: es.pid})
}
