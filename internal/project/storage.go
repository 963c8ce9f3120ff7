package project

import (
	"gopkg.in/yaml.v3"

	"github.com/digitalservices/elt/internal/lake"
)

// refuseCredentials refuses credentials in elt.yaml's storage: sections
// (the top level's and each target's), before anything else is read.
func refuseCredentials(text string) error {
	var loose struct {
		Targets map[string]any `yaml:"targets"`
	}
	yaml.Unmarshal([]byte(text), &loose) // a broken file is the strict decoding's to report
	sections := [][]string{{"storage"}}
	for _, t := range sortedKeys(loose.Targets) {
		sections = append(sections, []string{"targets", t, "storage"})
	}
	return lake.RefuseCredentials(ConfigFile, text, sections)
}
