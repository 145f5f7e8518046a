package dev.libpool.e2e.demo;

import java.util.List;

/**
 * A table of the report as text cells, rendered the same way to the terminal ({@link TextTable}) and to
 * the HTML page ({@link HtmlReport}).
 *
 * @param notes lines under the table (the cost per extra guest, an early stop)
 */
public record ReportTable(String title, List<String> headers, List<List<String>> rows, List<String> notes) {

    public ReportTable {
        headers = List.copyOf(headers);
        rows = rows.stream().map(List::copyOf).toList();
        notes = List.copyOf(notes);
        for (List<String> row : rows) {
            if (row.size() != headers.size()) {
                throw new IllegalArgumentException(title + ": a row has " + row.size() + " cells for "
                        + headers.size() + " headers");
            }
        }
    }
}
