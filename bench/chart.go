package main

import (
	"fmt"
	"html"
	"math"
	"os"
	"strings"
)

// The chart is hand-written SVG (no dependency): three grouped bar
// panels, throughput and p99 by workload (ours beside the floor) and the
// lists' p99 against data size, from the history of this database.

// Colours of the series.
const (
	colourOurs       = "#3b6fb6"
	colourFloor      = "#9aa5b1"
	colourOursNewest = "#7fa7dd"
	colourFloorNew   = "#c9d0d8"
)

// series is one kind of bar.
type series struct{ name, colour string }

// barPanel is a grouped bar chart: one group per category, one bar per
// series; a nil value draws no bar.
type barPanel struct {
	title, yLabel string
	categories    []string
	series        []series
	values        [][]*float64 // [category][series]
	format        string       // of the value printed on a bar
}

// writeChart writes the run's chart to path; history holds the results of
// every stored size.
func writeChart(path string, r *result, history []result) error {
	const width, panelHeight, top = 980.0, 330.0, 50.0
	var rps, p99 barPanel
	rps = barPanel{title: "Throughput by workload", yLabel: "requests per second", format: "%.0f",
		series: []series{{"ours", colourOurs}, {"floor", colourFloor}}}
	p99 = barPanel{title: "p99 latency by workload", yLabel: "p99 (ms)", format: "%.2f",
		series: rps.series}
	for _, w := range r.Workloads {
		rps.categories = append(rps.categories, w.Name)
		p99.categories = append(p99.categories, w.Name)
		var floorRPS, floorP99 *float64
		if w.Floor != nil {
			floorRPS, floorP99 = ptr(w.Floor.RPS), ptr(w.Floor.P99)
		}
		rps.values = append(rps.values, []*float64{ptr(w.RPS), floorRPS})
		p99.values = append(p99.values, []*float64{ptr(w.P99), floorP99})
	}
	sizes := barPanel{title: "List p99 against data size (" + r.Database + ")", yLabel: "p99 (ms)", format: "%.2f",
		series: []series{
			{"product_list ours", colourOurs}, {"product_list floor", colourFloor},
			{"product_list_newest ours", colourOursNewest}, {"product_list_newest floor", colourFloorNew},
		}}
	for _, h := range history {
		if h.Database != r.Database {
			continue
		}
		vals := make([]*float64, 4)
		for _, w := range h.Workloads {
			k := map[string]int{"product_list": 0, "product_list_newest": 2}
			i, ok := k[w.Name]
			if !ok {
				continue
			}
			vals[i] = ptr(w.P99)
			if w.Floor != nil {
				vals[i+1] = ptr(w.Floor.P99)
			}
		}
		sizes.categories = append(sizes.categories, sizeLabel(h.Products)+" products")
		sizes.values = append(sizes.values, vals)
	}

	var b strings.Builder
	height := top + 3*panelHeight
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n")
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%.0f" y="28" font-size="18" text-anchor="middle">%s</text>`+"\n", width/2,
		esc(fmt.Sprintf("servicesupport benchmark — %s, %d products, %d sellers, concurrency %d, cache %s",
			r.Database, r.Products, r.Sellers, r.Concurrency, onOff(r.Cache))))
	for i, p := range []barPanel{rps, p99, sizes} {
		p.draw(&b, 0, top+float64(i)*panelHeight, width, panelHeight)
	}
	b.WriteString("</svg>\n")
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// draw renders the panel into the box at (x, y).
func (p barPanel) draw(b *strings.Builder, x, y, w, h float64) {
	const left, right, top, bottom = 80.0, 20.0, 64.0, 46.0
	plotW, plotH := w-left-right, h-top-bottom
	x0, y0 := x+left, y+top+plotH // the origin
	fmt.Fprintf(b, `<g><text x="%.1f" y="%.1f" font-size="15" font-weight="bold">%s</text>`+"\n", x0, y+22, esc(p.title))
	// The legend, under the title, right-aligned.
	lx := x + w - right
	for i := len(p.series) - 1; i >= 0; i-- {
		s := p.series[i]
		lx -= float64(len(s.name))*6.5 + 30
		fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="12" height="12" fill="%s"/><text x="%.1f" y="%.1f" font-size="11">%s</text>`+"\n",
			lx, y+30, s.colour, lx+16, y+40, esc(s.name))
	}
	maxV := 0.0
	for _, vs := range p.values {
		for _, v := range vs {
			if v != nil {
				maxV = math.Max(maxV, *v)
			}
		}
	}
	top10 := niceCeil(maxV)
	// Axes, gridlines and ticks.
	fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", x0, y0-plotH, x0, y0)
	fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", x0, y0, x0+plotW, y0)
	for i := 0; i <= 5; i++ {
		v := top10 * float64(i) / 5
		ty := y0 - plotH*float64(i)/5
		if i > 0 {
			fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e3e6ea"/>`+"\n", x0, ty, x0+plotW, ty)
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="11" text-anchor="end">%s</text>`+"\n", x0-6, ty+4, esc(tickLabel(v)))
	}
	fmt.Fprintf(b, `<text transform="translate(%.1f %.1f) rotate(-90)" font-size="12" text-anchor="middle">%s</text>`+"\n",
		x+18, y0-plotH/2, esc(p.yLabel))
	if len(p.categories) == 0 {
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="12" text-anchor="middle">no data</text></g>`+"\n", x0+plotW/2, y0-plotH/2)
		return
	}
	// The bars, with their values on top.
	group := plotW / float64(len(p.categories))
	bar := group * 0.8 / float64(len(p.series))
	for c, name := range p.categories {
		gx := x0 + group*float64(c) + group*0.1
		for s, v := range p.values[c] {
			if v == nil {
				continue
			}
			bh := 0.0
			if top10 > 0 {
				bh = plotH * *v / top10
			}
			bx := gx + bar*float64(s)
			fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s</title></rect>`+"\n",
				bx, y0-bh, bar-2, bh, p.series[s].colour, esc(fmt.Sprintf("%s, %s: "+p.format, name, p.series[s].name, *v)))
			fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="10" text-anchor="middle">%s</text>`+"\n",
				bx+(bar-2)/2, y0-bh-3, esc(fmt.Sprintf(p.format, *v)))
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="12" text-anchor="middle">%s</text>`+"\n", x0+group*(float64(c)+0.5), y0+18, esc(name))
	}
	b.WriteString("</g>\n")
}

// niceCeil rounds v up to 1, 2, 2.5 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// tickLabel formats an axis value.
func tickLabel(v float64) string {
	switch {
	case v >= 10000:
		return fmt.Sprintf("%.0fk", v/1000)
	case v == math.Trunc(v):
		return fmt.Sprintf("%.0f", v)
	case v*10 == math.Trunc(v*10):
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// esc escapes text for XML.
func esc(s string) string { return html.EscapeString(s) }
