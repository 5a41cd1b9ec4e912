// Command kstatus reads one Kubernetes object, JSON or YAML, from the file named as its argument or else from stdin, and
// prints what kstatus (sigs.k8s.io/cli-utils/pkg/kstatus/status.Compute, the library Flux health checks and Helm's
// --wait use) computes for it, as one JSON line: {"status":"InProgress","message":"..."}.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/yaml"
)

type verdict struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "kstatus:", err)
		os.Exit(1)
	}
}

func run(args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) > 1 {
		return errors.New("usage: kstatus [FILE] (one object, JSON or YAML; stdin without FILE)")
	}
	in := stdin
	if len(args) == 1 {
		file, err := os.Open(args[0])
		if err != nil {
			return err
		}
		defer file.Close()
		in = file
	}
	data, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	// Through YAMLToJSON and Unstructured's own decoder, numbers stay int64: kstatus refuses a float64 generation.
	object, err := yaml.YAMLToJSON(data)
	if err != nil {
		return err
	}
	var resource unstructured.Unstructured
	if err := resource.UnmarshalJSON(object); err != nil {
		return err
	}
	result, err := status.Compute(&resource)
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(verdict{Status: string(result.Status), Message: result.Message})
}
