// SPDX-License-Identifier: MIT
/* svg.c: the chart of throughput against message size, one line per
   transport, written by hand: no dependency. */
#include "ringbench.h"

#include <math.h>

/* One colour per transport, ring ones warm, peers cool. */
static const char *colour_of(const struct bench_transport *t)
{
    static const char *const colours[] = {
        "#d62728", "#ff7f0e", "#8c564b", "#e377c2", "#bcbd22",
        "#ff9896", "#1f77b4", "#2ca02c", "#9467bd", "#7f7f7f",
    };

    for (int i = 0; i < bench_all_transport_count && i < 10; i++)
        if (bench_all_transports[i] == t)
            return colours[i];
    return "#000000";
}

static void xml_text(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '<')
            fputs("&lt;", out);
        else if (*s == '>')
            fputs("&gt;", out);
        else if (*s == '&')
            fputs("&amp;", out);
        else
            fputc(*s, out);
    }
}

#define SVG_W      860
#define SVG_H      540
#define SVG_LEFT   90
#define SVG_RIGHT  (SVG_W - 170)
#define SVG_TOP    70
#define SVG_BOTTOM (SVG_H - 70)

struct svg_scale {
    double x_lo, x_hi; /* log2 of sizes */
    double y_lo, y_hi; /* log10 of MB/s, whole decades */
};

static double svg_x(const struct svg_scale *s, double size)
{
    return SVG_LEFT + (log2(size) - s->x_lo) / (s->x_hi - s->x_lo) *
                          (SVG_RIGHT - SVG_LEFT);
}

static double svg_y(const struct svg_scale *s, double mb)
{
    return SVG_BOTTOM -
           (log10(mb) - s->y_lo) / (s->y_hi - s->y_lo) * (SVG_BOTTOM - SVG_TOP);
}

static void svg_axes(FILE *out, const struct bench_report *rep,
                     const struct svg_scale *s)
{
    char label[32];

    for (int d = (int)s->y_lo; d <= (int)s->y_hi; d++) {
        for (int k = 1; k <= 9 && (k == 1 || d < (int)s->y_hi); k++) {
            double v = k * pow(10, d), y = svg_y(s, v);

            if (k != 1 && k != 2 && k != 5)
                continue;
            fprintf(out,
                    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
                    "stroke=\"%s\"/>\n",
                    SVG_LEFT, y, SVG_RIGHT, y, k == 1 ? "#cccccc" : "#eeeeee");
            if (k == 1)
                fprintf(out,
                        "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">"
                        "%.0f</text>\n",
                        SVG_LEFT - 8, y + 4, v);
        }
    }
    for (int i = 0; i < rep->cfg->size_count; i++) {
        double x = svg_x(s, (double)rep->cfg->sizes[i]);

        fprintf(out,
                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
                "stroke=\"#eeeeee\"/>\n",
                x, SVG_TOP, x, SVG_BOTTOM);
        fprintf(out,
                "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s"
                "</text>\n",
                x, SVG_BOTTOM + 20,
                bench_format_size(label, sizeof label, rep->cfg->sizes[i]));
    }
    fprintf(out,
            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
            "fill=\"none\" stroke=\"#888888\"/>\n",
            SVG_LEFT, SVG_TOP, SVG_RIGHT - SVG_LEFT, SVG_BOTTOM - SVG_TOP);
    fprintf(out,
            "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">message size "
            "(log scale)</text>\n",
            (SVG_LEFT + SVG_RIGHT) / 2, SVG_BOTTOM + 45);
    fprintf(out,
            "<text x=\"20\" y=\"%d\" text-anchor=\"middle\" "
            "transform=\"rotate(-90 20 %d)\">throughput, MB/s (10^6 "
            "bytes/s, log scale)</text>\n",
            (SVG_TOP + SVG_BOTTOM) / 2, (SVG_TOP + SVG_BOTTOM) / 2);
}

/* Log scales that hold every size and every MB/s of the run. */
static struct svg_scale scale_for(const struct bench_report *rep)
{
    const struct bench_config *cfg = rep->cfg;
    struct svg_scale s;
    double lo = 0, hi = 0;

    for (int i = 0; i < rep->count; i++) {
        const struct bench_result *r = &rep->results[i];

        if (!r->has_throughput || r->mb_per_s_min <= 0)
            continue;
        if (lo == 0 || r->mb_per_s_min < lo)
            lo = r->mb_per_s_min;
        if (r->mb_per_s_max > hi)
            hi = r->mb_per_s_max;
    }
    if (lo <= 0)
        lo = hi = 1;
    s.x_lo = log2((double)cfg->sizes[0]);
    s.x_hi = log2((double)cfg->sizes[cfg->size_count - 1]);
    if (s.x_hi - s.x_lo < 1) {
        s.x_lo -= 1;
        s.x_hi += 1;
    }
    s.y_lo = floor(log10(lo));
    s.y_hi = ceil(log10(hi));
    if (s.y_hi <= s.y_lo)
        s.y_hi = s.y_lo + 1;
    return s;
}

static void svg_title(FILE *out, const struct bench_report *rep)
{
    const struct bench_config *cfg = rep->cfg;

    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
            "font-size=\"12\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            SVG_W, SVG_H, SVG_W, SVG_H);
    fprintf(out,
            "<text x=\"%d\" y=\"28\" font-size=\"16\" font-weight=\"bold\">"
            "ringbench: throughput against message size</text>\n",
            SVG_LEFT);
    fprintf(out, "<text x=\"%d\" y=\"48\" fill=\"#555555\">", SVG_LEFT);
    xml_text(out, rep->machine->cpu_model);
    if (cfg->cpus.pin && cfg->cpus.cpu[0] != cfg->cpus.cpu[1])
        fprintf(out, ", CPUs %d and %d", cfg->cpus.cpu[0], cfg->cpus.cpu[1]);
    fprintf(out, ", %s; median of %d, bars: min..max</text>\n",
            rep->machine->date, cfg->reps);
}

/* One transport: its line, a dot and a min..max bar per size, and its
   entry in the legend (the t-th). */
static void svg_series(FILE *out, const struct bench_report *rep,
                       const struct svg_scale *s,
                       const struct bench_transport *tr, int t)
{
    const char *colour = colour_of(tr);
    int ly = SVG_TOP + 10 + 22 * t;

    fprintf(out,
            "<g stroke=\"%s\" fill=\"%s\">\n<polyline fill=\"none\" "
            "stroke-width=\"2\" points=\"",
            colour, colour);
    for (int i = 0; i < rep->count; i++) {
        const struct bench_result *r = &rep->results[i];

        if (r->transport == tr && r->mb_per_s > 0)
            fprintf(out, "%.1f,%.1f ", svg_x(s, (double)r->size),
                    svg_y(s, r->mb_per_s));
    }
    fputs("\"/>\n", out);
    for (int i = 0; i < rep->count; i++) {
        const struct bench_result *r = &rep->results[i];
        double x = svg_x(s, (double)r->size);

        if (r->transport != tr || r->mb_per_s <= 0)
            continue;
        fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\"/>\n", x,
                svg_y(s, r->mb_per_s));
        fprintf(out,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x,
                svg_y(s, r->mb_per_s_min), x, svg_y(s, r->mb_per_s_max));
    }
    fprintf(out,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
            "stroke-width=\"2\"/>\n"
            "<text x=\"%d\" y=\"%d\" stroke=\"none\" fill=\"#000000\">",
            SVG_RIGHT + 15, ly, SVG_RIGHT + 40, ly, SVG_RIGHT + 48, ly + 4);
    xml_text(out, tr->name);
    fputs("</text>\n</g>\n", out);
}

void bench_print_svg(FILE *out, const struct bench_report *rep)
{
    struct svg_scale s = scale_for(rep);

    svg_title(out, rep);
    svg_axes(out, rep, &s);
    for (int t = 0; t < rep->cfg->transport_count; t++)
        svg_series(out, rep, &s, rep->cfg->transports[t], t);
    fputs("</svg>\n", out);
}
