package dev.libpool.e2e.demo;

import java.util.List;

/** Renders a {@link ReportTable} fixed-width for a terminal: first column left-aligned, figures right-aligned. */
public final class TextTable {

    private static final String GAP = "  ";

    private TextTable() {
    }

    public static String render(ReportTable table) {
        int columns = table.headers().size();
        int[] widths = new int[columns];
        for (int c = 0; c < columns; c++) {
            widths[c] = table.headers().get(c).length();
            for (List<String> row : table.rows()) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        StringBuilder out = new StringBuilder();
        out.append(table.title()).append('\n');
        appendLine(out, table.headers(), widths);
        int total = 0;
        for (int w : widths) {
            total += w;
        }
        out.append("-".repeat(total + GAP.length() * (columns - 1))).append('\n');
        for (List<String> row : table.rows()) {
            appendLine(out, row, widths);
        }
        for (String note : table.notes()) {
            out.append("  ").append(note).append('\n');
        }
        return out.toString();
    }

    private static void appendLine(StringBuilder out, List<String> cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < cells.size(); c++) {
            if (c > 0) {
                line.append(GAP);
            }
            String cell = cells.get(c);
            String pad = " ".repeat(widths[c] - cell.length());
            line.append(c == 0 ? cell + pad : pad + cell);
        }
        out.append(line.toString().stripTrailing()).append('\n');
    }
}
