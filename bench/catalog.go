package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"servicesupport/schedule"
	"servicesupport/validate"
)

// The vocabulary of the generated marketplace: where sellers' support desks
// are, what their weeks look like, what the companies and products are
// called. Every phone number and week is checked at start-up with the
// project's own validation (validate.Form), so the dataset holds only what
// the API itself would have accepted.

// region is a support desk's location: its time zone, the phone numbers
// it answers on, and what a group there is called.
type region struct {
	zone   string
	desk   string   // "Berlin" in "Berlin Helpdesk"
	phones []string // E.164, checked
}

// regionTemplates are the regions and a national number pattern each (%04d
// is replaced by four digits).
var regionTemplates = []struct{ zone, desk, phone string }{
	{"Asia/Shanghai", "Beijing", "+86 10 6552 %04d"},
	{"Asia/Shanghai", "Shanghai", "+86 21 6888 %04d"},
	{"Europe/Berlin", "Berlin", "+49 30 9018 %04d"},
	{"Europe/London", "London", "+44 20 7946 %04d"},
	{"America/New_York", "New York", "+1 212 736 %04d"},
	{"Asia/Tokyo", "Tokyo", "+81 3 6868 %04d"},
	{"Asia/Singapore", "Singapore", "+65 6808 %04d"},
	{"Australia/Sydney", "Sydney", "+61 2 9374 %04d"},
	{"Europe/Paris", "Paris", "+33 1 4455 %04d"},
}

// deskKinds complete a group name ("Berlin " + kind).
var deskKinds = []string{"Support", "Helpdesk", "Customer Care", "Service Desk", "Premium Support", "Enterprise Care"}

// weekTemplate is a realistic week that meets the marketplace policy.
type weekTemplate struct {
	name string
	week schedule.Week
}

// hours is a shorthand for one day's ranges.
func hours(pairs ...string) []schedule.TimeRange {
	var out []schedule.TimeRange
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, schedule.TimeRange{Start: pairs[i], End: pairs[i+1]})
	}
	return out
}

// weekdays are Monday to Friday.
var weekdays = []schedule.Weekday{schedule.Monday, schedule.Tuesday, schedule.Wednesday, schedule.Thursday, schedule.Friday}

// withDay adds a day to a week.
func withDay(w schedule.Week, d schedule.Weekday, h []schedule.TimeRange) schedule.Week {
	return append(append(schedule.Week{}, w...), schedule.DayHours{Day: d, Hours: h})
}

// weekTemplates are the weeks groups keep; each meets the policy (checked
// in newCatalog).
var weekTemplates = []weekTemplate{
	{"office", schedule.FromServiceTimes(weekdays, hours("09:00", "18:00"))},
	{"split", schedule.FromServiceTimes(weekdays, hours("08:00", "12:00", "13:00", "17:00"))},
	{"saturday", withDay(schedule.FromServiceTimes(weekdays, hours("09:00", "18:00")), schedule.Saturday, hours("10:00", "14:00"))},
	{"always", schedule.FromServiceTimes(schedule.AllWeekdays, hours("00:00", "24:00"))},
	{"night shift", schedule.FromServiceTimes(weekdays, hours("08:00", "20:00", "22:00", "06:00"))},
	{"early", withDay(withDay(schedule.FromServiceTimes(weekdays, hours("07:00", "15:30")),
		schedule.Saturday, hours("10:00", "16:00")), schedule.Sunday, hours("10:00", "16:00"))},
	{"long days", schedule.FromServiceTimes([]schedule.Weekday{schedule.Monday, schedule.Tuesday, schedule.Wednesday,
		schedule.Thursday, schedule.Friday, schedule.Saturday}, hours("08:00", "22:00"))},
}

// Company and product names are made of these words.
var (
	companyWords = []string{"Nimbus", "Stratus", "Cirrus", "Aurora", "Helix", "Quanta", "Vertex", "Lumen",
		"Orbit", "Nova", "Atlas", "Zenith", "Cobalt", "Ember", "Granite", "Harbor", "Juniper", "Kestrel",
		"Meridian", "Onyx", "Pioneer", "Quill", "Redwood", "Sable", "Tidal", "Umbra", "Vector", "Willow"}
	companyKinds = []string{"Cloud", "Software", "Systems", "Analytics", "Networks", "Data", "Labs", "Digital",
		"Technologies", "Security"}
	companySuffixes = []string{"Ltd.", "Inc.", "GmbH", "Co.", "S.A.", "Pte. Ltd.", "K.K.", "LLC"}
	productWords    = []string{"Elastic", "Managed", "Serverless", "Dedicated", "Global", "Smart", "Secure",
		"Realtime", "Hybrid", "Edge", "Private", "Scalable"}
	productKinds = []string{"Compute", "Object Storage", "Database", "CDN", "Message Queue", "Search",
		"Data Warehouse", "Kubernetes", "Load Balancer", "Backup", "DNS", "Mail", "Monitoring", "Identity",
		"Cache", "Streaming", "AI Inference", "VPN", "Log Analytics", "File Storage"}
	productBlurbs = []string{
		"billed by the second, with no upfront commitment.",
		"with automated backups and point-in-time recovery.",
		"replicated across three availability zones.",
		"with a 99.95% monthly uptime commitment.",
		"managed for you, patched and monitored around the clock.",
		"that scales to zero when idle.",
		"with encryption at rest and in transit.",
		"deployed in minutes from the console or the API.",
	}
	firstNames = []string{"Li", "Wei", "Anna", "Jonas", "Emma", "Hiroshi", "Yuki", "Olivia", "Lucas", "Mia",
		"Chen", "Sofia", "Noah", "Aiko", "Liam", "Zhang", "Marie", "Paul", "Priya", "Arjun"}
	lastNames = []string{"Wang", "Müller", "Smith", "Tanaka", "Dubois", "Chen", "Schmidt", "Brown",
		"Suzuki", "Martin", "Liu", "Fischer", "Jones", "Sato", "Bernard", "Zhao", "Weber", "Taylor"}
	streets = []string{"Zhongguancun Street", "Friedrichstraße", "Baker Street", "Fifth Avenue",
		"Marunouchi", "Orchard Road", "George Street", "Rue de Rivoli", "Nanjing Road"}
	holidays = []string{"Company holiday", "Spring Festival", "National Day", "Year-end", "Inventory day",
		"Staff training", "Public holiday"}
)

// catalog is the checked vocabulary.
type catalog struct {
	regions []region
	weeks   []weekTemplate
}

// newCatalog builds the vocabulary and checks it with the API's own
// validation: a bench dataset the API would refuse would measure nothing
// real.
func newCatalog() (*catalog, error) {
	c := &catalog{}
	for _, t := range regionTemplates {
		if _, err := schedule.LoadZone(t.zone); err != nil {
			return nil, err
		}
		r := region{zone: t.zone, desk: t.desk}
		for i := range 200 {
			var f validate.Form
			e164 := f.Phone([]string{"phone"}, fmt.Sprintf(t.phone, 1000+i*37))
			if f.Err() == nil {
				r.phones = append(r.phones, e164)
			}
		}
		if len(r.phones) > 0 {
			c.regions = append(c.regions, r)
		}
	}
	if len(c.regions) < 6 {
		return nil, fmt.Errorf("only %d regions have valid phone numbers", len(c.regions))
	}
	for _, w := range weekTemplates {
		var f validate.Form
		w.week = f.WeeklyHours([]string{"weeklyHours"}, w.week)
		if err := f.Err(); err != nil {
			return nil, fmt.Errorf("week %q: %w", w.name, err)
		}
		if !w.week.MeetsPolicy() {
			return nil, fmt.Errorf("week %q does not meet the service policy", w.name)
		}
		c.weeks = append(c.weeks, w)
	}
	return c, nil
}

// pick returns a random element.
func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// companyName is a seller's public name; the index keeps it unique enough
// to be told apart in a list.
func companyName(rng *rand.Rand, i int) string {
	return fmt.Sprintf("%s %s %s", pick(rng, companyWords), pick(rng, companyKinds), pick(rng, companySuffixes)) +
		fmt.Sprintf(" %d", i+1)
}

// slug is the mail domain of a company.
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-") + ".example"
}

// personName is a contact person.
func personName(rng *rand.Rand) string {
	return pick(rng, firstNames) + " " + pick(rng, lastNames)
}

// address is a postal contact address.
func address(rng *rand.Rand) string {
	return fmt.Sprintf("%d %s", 1+rng.IntN(400), pick(rng, streets))
}

// productName and productSummary describe a product.
func productName(rng *rand.Rand) string {
	return pick(rng, productWords) + " " + pick(rng, productKinds)
}

func productSummary(rng *rand.Rand, name string) string {
	return name + " " + pick(rng, productBlurbs)
}

// closures returns a group's closures: most groups have none, some have a
// few days off or shortened days around now (so that some product pages
// show a closure applied today).
func closures(rng *rand.Rand, now time.Time, loc *time.Location) []schedule.Closure {
	if rng.IntN(10) >= 3 {
		return nil
	}
	n := 1 + rng.IntN(3)
	seen := map[string]bool{}
	var out []schedule.Closure
	for range n {
		date := now.In(loc).AddDate(0, 0, rng.IntN(90)-30).Format(time.DateOnly)
		if seen[date] {
			continue
		}
		seen[date] = true
		name := pick(rng, holidays)
		cl := schedule.Closure{Date: date, Name: &name, Hours: []schedule.TimeRange{}}
		if rng.IntN(3) == 0 {
			cl.Hours = hours("10:00", "14:00")
		}
		if rng.IntN(5) == 0 {
			cl.Name = nil
		}
		out = append(out, cl)
	}
	return out
}
