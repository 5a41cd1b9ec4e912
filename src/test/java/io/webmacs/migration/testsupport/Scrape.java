package io.webmacs.migration.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** One scrape of the operator's {@code /q/metrics}, read as Prometheus reads the text exposition format. */
public final class Scrape {

    /** A sample: its name (a histogram's with _bucket, _count or _sum), its labels and its value. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private final String text;
    private final List<Sample> samples;

    private Scrape(String text, List<Sample> samples) {
        this.text = text;
        this.samples = samples;
    }

    /** Scrapes {@code metrics} now. */
    public static Scrape of(URL metrics) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(metrics.toString())).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(metrics + " answered " + response.statusCode());
            }
            return parse(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Scrape parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                samples.add(sample(line));
            }
        }
        return new Scrape(text, samples);
    }

    /** The names of every sample. */
    public Set<String> names() {
        return samples.stream().map(Sample::name).collect(Collectors.toSet());
    }

    /** The samples of {@code name} whose labels include {@code labels}. */
    public List<Sample> samples(String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet())).toList();
    }

    /** The value of the one sample of {@code name} whose labels include {@code labels}; empty when there is none. */
    public Optional<Double> value(String name, Map<String, String> labels) {
        List<Sample> found = samples(name, labels);
        if (found.size() > 1) {
            throw new IllegalStateException("more than one sample of " + name + " with " + labels + ": " + found);
        }
        return found.stream().map(Sample::value).findFirst();
    }

    /**
     * The metrics whose names start with {@code prefix}, in the classic text format promtool reads. Micrometer's Prometheus
     * client writes a counter's HELP and TYPE under its name without {@code _total} and its samples with it; the classic
     * format names them alike, so there the HELP and TYPE lines of counters name {@code NAME_total}.
     */
    public String classicTextOf(String prefix) {
        Set<String> counters = text.lines().filter(line -> line.startsWith("# TYPE ") && line.endsWith(" counter"))
                .map(line -> line.split(" ")[2]).collect(Collectors.toSet());
        return text.lines().filter(line -> line.startsWith(prefix) || line.startsWith("# HELP " + prefix) || line.startsWith("# TYPE " + prefix))
                .map(line -> {
                    String[] words = line.split(" ", 4);
                    return line.startsWith("# ") && counters.contains(words[2]) && !words[2].endsWith("_total")
                            ? String.join(" ", words[0], words[1], words[2] + "_total", words.length > 3 ? words[3] : "").stripTrailing()
                            : line;
                })
                .collect(Collectors.joining("\n", "", "\n"));
    }

    /** {@code name{label="value",...} value}, label values with the format's escapes. */
    private static Sample sample(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int equals = line.indexOf('=', i);
                String key = line.substring(i, equals).trim();
                StringBuilder value = new StringBuilder();
                int j = equals + 2; // past ="
                for (; line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char escaped = line.charAt(++j);
                        value.append(escaped == 'n' ? '\n' : escaped);
                    } else {
                        value.append(c);
                    }
                }
                labels.put(key, value.toString());
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        String value = line.substring(i).trim().split(" ")[0];
        return new Sample(name, labels, switch (value) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(value);
        });
    }
}
