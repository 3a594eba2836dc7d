package compiler

import (
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/artifact"
	"github.com/moat-run/moat/internal/vm"
)

// TestPollKindSetting: polls compare the epoch by default and count
// where counting is the point (fuel, a fixed test interval) or asked for
// (CountPolls); the artifact header records which, and code made with one
// kind is refused by an engine that expects the other, by the key.
func TestPollKindSetting(t *testing.T) {
	kinds := map[string]Config{
		"epoch":         {},
		"fuel":          {ConsumeFuel: true},
		"poll interval": {PollInterval: 5},
		"count polls":   {CountPolls: true},
	}
	targets := map[string]artifact.Target{}
	for name, cfg := range kinds {
		e, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ce := e.(*compilerEngine)
		want := name == "epoch" && vm.EpochSupported
		if ce.epoch != want || ce.frontendEnv().EpochPolls != want {
			t.Errorf("%s: epoch polls %v, want %v", name, ce.epoch, want)
		}
		targets[name] = ce.Target()
		got := ""
		for _, s := range targets[name].Settings {
			if s.Key == "polls" {
				got = s.Value
			}
		}
		if got != pollKind(want) {
			t.Errorf("%s: header records polls %q, want %q", name, got, pollKind(want))
		}
	}
	h := artifact.Header{Build: artifact.BuildID(), Target: targets["count polls"]}
	err := h.Check(artifact.BuildID(), targets["epoch"])
	if !vm.EpochSupported {
		return
	}
	if err == nil || !strings.Contains(err.Error(), "polls") {
		t.Errorf("counting code in an epoch engine: %v, want an error naming polls", err)
	}
}
