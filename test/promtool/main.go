// Command promql-metrics reads a JSON array of PromQL expressions on stdin and prints, for each, the metric names its
// selectors name, as read by Prometheus's own parser (github.com/prometheus/prometheus/promql/parser): a JSON array of
// {"expr": ..., "metrics": [...]} in the same order. It exits 1, naming the expression, when one does not parse or has
// a selector without a metric name. The dashboard test runs it on every query of the Grafana dashboard.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

type names struct {
	Expr    string   `json:"expr"`
	Metrics []string `json:"metrics"`
}

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "promql-metrics:", err)
		os.Exit(1)
	}
}

func run(stdin io.Reader, stdout io.Writer) error {
	var exprs []string
	if err := json.NewDecoder(stdin).Decode(&exprs); err != nil {
		return fmt.Errorf("stdin is not a JSON array of strings: %w", err)
	}
	promql := parser.NewParser(parser.Options{})
	result := make([]names, 0, len(exprs))
	for _, expr := range exprs {
		metrics, err := metricsOf(promql, expr)
		if err != nil {
			return fmt.Errorf("%q: %w", expr, err)
		}
		result = append(result, names{Expr: expr, Metrics: metrics})
	}
	return json.NewEncoder(stdout).Encode(result)
}

// metricsOf returns the metric names of the expression's selectors, sorted and each once.
func metricsOf(promql parser.Parser, expr string) ([]string, error) {
	tree, err := promql.ParseExpr(expr)
	if err != nil {
		return nil, err
	}
	metrics := []string{}
	for _, selector := range parser.ExtractSelectors(tree) {
		name := ""
		for _, matcher := range selector {
			if matcher.Name == labels.MetricName && matcher.Type == labels.MatchEqual {
				name = matcher.Value
			}
		}
		if name == "" {
			return nil, fmt.Errorf("a selector without a metric name: %v", selector)
		}
		if !slices.Contains(metrics, name) {
			metrics = append(metrics, name)
		}
	}
	slices.Sort(metrics)
	return metrics, nil
}
