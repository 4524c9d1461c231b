package graph_test

// Every validation rule of the design, through the mutations: each refused
// input answers exactly one userErrors entry with the input's path and code
// and writes nothing; each accepted edge case is stored normalised.
//
// Helpers of this file start with "vt"; it also uses the "wf" helpers of
// workflow_test.go.

import (
	"strings"
	"testing"
)

// vtOp is a mutation under test with a valid input and what it needs first.
type vtOp struct {
	mutation string
	as       Persona
	// vars returns valid variables; it may create what the mutation needs
	// (before the "nothing changed" snapshot is taken).
	vars func(t *testing.T, env *Env) map[string]any
	// read re-reads the stored object of a successful payload, keyed like
	// the input fields.
	read func(t *testing.T, env *Env, pl wfPayload) map[string]any
}

// vtGroupIn returns a valid group input.
func vtGroupIn() map[string]any { return GroupInput("Acme Support") }

// Operations, keyed by a short name used in the case tables.
var vtOps = map[string]vtOp{
	"createGroup": {
		mutation: wfCreateGroupM, as: Owner,
		vars: func(*testing.T, *Env) map[string]any { return map[string]any{"in": vtGroupIn()} },
		read: vtReadGroup,
	},
	"updateGroup": {
		mutation: wfUpdateGroupM, as: Owner,
		vars: func(t *testing.T, env *Env) map[string]any {
			in := vtGroupIn()
			in["name"] = "Old Name"
			id := env.CreateGroup(Owner, in)
			return map[string]any{"id": id, "in": vtGroupIn()}
		},
		read: vtReadGroup,
	},
	"business": {
		mutation: wfSubmitBusinessM, as: Owner,
		vars: func(*testing.T, *Env) map[string]any {
			return map[string]any{"in": map[string]any{"contactName": "Alice Chen", "phone": "+86 10 6552 9988", "email": "alice@acme.example"}}
		},
		read: vtReadContact,
	},
	"preSales": {
		mutation: wfSubmitPreSalesM, as: Owner,
		vars: func(*testing.T, *Env) map[string]any {
			return map[string]any{"in": map[string]any{"phone": "+86 10 6552 9988", "email": "sales@acme.example", "contactAddress": "1 Acme Road, Beijing"}}
		},
		read: vtReadContact,
	},
	"createProduct": {
		mutation: wfCreateProductM, as: Owner,
		vars: func(*testing.T, *Env) map[string]any {
			return map[string]any{"in": map[string]any{"name": "Acme Compute", "summary": "Virtual machines."}}
		},
		read: vtReadProduct,
	},
	"updateProduct": {
		mutation: wfUpdateProductM, as: Owner,
		vars: func(t *testing.T, env *Env) map[string]any {
			id := env.CreateProduct(Owner, "Old Name", "")
			return map[string]any{"id": id, "in": map[string]any{"name": "Acme Compute", "summary": "Virtual machines."}}
		},
		read: vtReadProduct,
	},
	"createSeller": {
		mutation: wfCreateSellerM, as: Admin,
		vars: func(*testing.T, *Env) map[string]any {
			return map[string]any{"in": map[string]any{"accountID": "initech", "name": "Initech"}}
		},
		read: func(t *testing.T, env *Env, pl wfPayload) map[string]any {
			var out struct{ Node *wfSeller }
			env.MustDo(Admin, `query($id: ID!) { node(id: $id) { ... on Seller { `+wfSellerSel+` } } }`, map[string]any{"id": pl.Seller.ID}, &out)
			if out.Node == nil {
				t.Fatalf("seller %s not found", pl.Seller.ID)
			}
			return map[string]any{"accountID": out.Node.AccountID, "name": out.Node.Name}
		},
	},
	"reject": {
		mutation: wfRejectM, as: Reviewer,
		vars: func(t *testing.T, env *Env) map[string]any {
			id := env.SubmitPreSales(Owner, "+86 10 6552 9988", "sales@acme.example", "1 Acme Road")
			return map[string]any{"id": id, "reason": "Phone unreachable"}
		},
		read: vtReadReviewComment,
	},
	"approve": {
		mutation: wfApproveM, as: Reviewer,
		vars: func(t *testing.T, env *Env) map[string]any {
			id := env.SubmitPreSales(Owner, "+86 10 6552 9988", "sales@acme.example", "1 Acme Road")
			return map[string]any{"id": id, "comment": "Looks good"}
		},
		read: vtReadReviewComment,
	},
}

func vtReadGroup(t *testing.T, env *Env, pl wfPayload) map[string]any {
	g := wfGetGroup(t, env, Owner, pl.CustomerServiceGroup.ID)
	if g == nil {
		t.Fatalf("group %s not found", pl.CustomerServiceGroup.ID)
	}
	hours := make([]any, len(g.ServiceHours))
	for i, h := range g.ServiceHours {
		hours[i] = map[string]any{"start": h.Start, "end": h.End}
	}
	days := make([]any, len(g.ServiceDays))
	for i, d := range g.ServiceDays {
		days[i] = d
	}
	return map[string]any{"name": g.Name, "phone": g.Phone, "email": g.Email, "serviceDays": days, "serviceHours": hours, "timeZone": g.TimeZone}
}

func vtReadContact(t *testing.T, env *Env, pl wfPayload) map[string]any {
	c := wfGetReview(t, env, pl.Review.ID).Contact
	if c == nil {
		t.Fatalf("review %s has no contact", pl.Review.ID)
	}
	out := map[string]any{"phone": c.Phone, "email": c.Email}
	if c.ContactName != nil {
		out["contactName"] = *c.ContactName
	}
	if c.ContactAddress != nil {
		out["contactAddress"] = *c.ContactAddress
	}
	return out
}

func vtReadProduct(t *testing.T, env *Env, pl wfPayload) map[string]any {
	p := wfGetProduct(t, env, pl.Product.ID)
	return map[string]any{"name": p.Name, "summary": p.Summary}
}

func vtReadReviewComment(t *testing.T, env *Env, pl wfPayload) map[string]any {
	r := wfGetReview(t, env, pl.Review.ID)
	out := map[string]any{}
	if r.Comment != nil {
		out["comment"] = *r.Comment
		out["reason"] = *r.Comment
	}
	return out
}

// vtSet returns an edit that sets input field k (or, for the review
// decisions, the variable k) to v.
func vtSet(k string, v any) func(map[string]any) {
	return func(vars map[string]any) {
		if in, ok := vars["in"].(map[string]any); ok {
			in[k] = v
			return
		}
		vars[k] = v
	}
}

// vtHours returns serviceHours ranges from start/end pairs.
func vtHours(pairs ...string) []map[string]string {
	out := make([]map[string]string, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, map[string]string{"start": pairs[i], "end": pairs[i+1]})
	}
	return out
}

// vtEmailOfLength returns a well-formed address of exactly n characters
// (n ≥ 70): a 64-character local part and DNS-sized domain labels.
func vtEmailOfLength(n int) string {
	local := strings.Repeat("a", 64)
	labels := []string{"com"}
	rest := n - len(local) - 1 - len("com")
	if rest == 1 {
		local, rest = local[:63], 2
	}
	for rest > 0 {
		l := min(63, rest-1)
		if rest-(l+1) == 1 {
			l--
		}
		labels = append([]string{strings.Repeat("b", l)}, labels...)
		rest -= l + 1
	}
	return local + "@" + strings.Join(labels, ".")
}

// TestValidationRefused runs each invalid input through its mutation.
func TestValidationRefused(t *testing.T) {
	t.Parallel()
	long := func(r string, n int) string { return strings.Repeat(r, n) }
	type tc struct {
		name  string
		op    string
		edit  func(map[string]any)
		field []string
		code  string
	}
	in := func(f ...string) []string { return append([]string{"input"}, f...) }
	cases := []tc{
		// phone
		{"phone too short", "createGroup", vtSet("phone", "12345"), in("phone"), "INVALID"},
		{"phone country code only", "createGroup", vtSet("phone", "+86 123"), in("phone"), "INVALID"},
		{"phone words", "preSales", vtSet("phone", "call us"), in("phone"), "INVALID"},
		{"phone too short, international", "business", vtSet("phone", "+1 555 0100"), in("phone"), "INVALID"},
		{"phone empty", "business", vtSet("phone", ""), in("phone"), "REQUIRED"},
		{"phone blank", "preSales", vtSet("phone", "   "), in("phone"), "REQUIRED"},
		{"phone with NUL", "preSales", vtSet("phone", "+86 10 6552\x009988"), in("phone"), "INVALID"},
		{"phone with newline", "createGroup", vtSet("phone", "+86 10 6552\n9988"), in("phone"), "INVALID"},
		{"phone invalid on update", "updateGroup", vtSet("phone", "+1 555"), in("phone"), "INVALID"},
		// email
		{"email with display name", "createGroup", vtSet("email", "A <a@b.co>"), in("email"), "INVALID"},
		{"email in angle brackets", "business", vtSet("email", "<a@b.co>"), in("email"), "INVALID"},
		{"email without dot in domain", "business", vtSet("email", "alice@localhost"), in("email"), "INVALID"},
		{"email two addresses, comma", "preSales", vtSet("email", "a@b.co, c@d.co"), in("email"), "INVALID"},
		{"email two addresses, semicolon", "createGroup", vtSet("email", "a@b.co;c@d.co"), in("email"), "INVALID"},
		{"email two at signs", "preSales", vtSet("email", "a@b@c.co"), in("email"), "INVALID"},
		{"email no local part", "createGroup", vtSet("email", "@b.co"), in("email"), "INVALID"},
		{"email empty label", "createGroup", vtSet("email", "a@b..co"), in("email"), "INVALID"},
		{"email 255 characters", "createGroup", vtSet("email", vtEmailOfLength(255)), in("email"), "TOO_LONG"},
		{"email 255 characters on update", "updateGroup", vtSet("email", vtEmailOfLength(255)), in("email"), "TOO_LONG"},
		{"email empty", "preSales", vtSet("email", ""), in("email"), "REQUIRED"},
		{"email blank", "business", vtSet("email", " \t "), in("email"), "REQUIRED"},
		{"email with newline", "business", vtSet("email", "a@b.co\nBcc: c@d.co"), in("email"), "INVALID"},
		// names: 65 two-byte runes (130 bytes) and 65 three-byte runes
		{"group name 65 characters", "createGroup", vtSet("name", long("é", 65)), in("name"), "TOO_LONG"},
		{"group name 65 characters on update", "updateGroup", vtSet("name", long("界", 65)), in("name"), "TOO_LONG"},
		{"product name 65 characters", "createProduct", vtSet("name", long("界", 65)), in("name"), "TOO_LONG"},
		{"product name 65 characters on update", "updateProduct", vtSet("name", long("é", 65)), in("name"), "TOO_LONG"},
		{"seller name 65 characters", "createSeller", vtSet("name", long("界", 65)), in("name"), "TOO_LONG"},
		{"contact name 65 characters", "business", vtSet("contactName", long("é", 65)), in("contactName"), "TOO_LONG"},
		// other lengths
		{"summary 1001 characters", "createProduct", vtSet("summary", long("é", 1001)), in("summary"), "TOO_LONG"},
		{"summary 1001 characters on update", "updateProduct", vtSet("summary", long("界", 1001)), in("summary"), "TOO_LONG"},
		{"contact address 257 characters", "preSales", vtSet("contactAddress", long("号", 257)), in("contactAddress"), "TOO_LONG"},
		{"reason 1001 characters", "reject", vtSet("reason", long("é", 1001)), []string{"reason"}, "TOO_LONG"},
		{"comment 1001 characters", "approve", vtSet("comment", long("é", 1001)), []string{"comment"}, "TOO_LONG"},
		// control characters
		{"group name with NUL", "createGroup", vtSet("name", "Sup\x00port"), in("name"), "INVALID"},
		{"group name with newline", "updateGroup", vtSet("name", "Sup\nport"), in("name"), "INVALID"},
		{"product name with newline", "createProduct", vtSet("name", "Acme\nCompute"), in("name"), "INVALID"},
		{"product name with NUL", "updateProduct", vtSet("name", "Acme\x00"), in("name"), "INVALID"},
		{"summary with newline", "createProduct", vtSet("summary", "Line one\nLine two"), in("summary"), "INVALID"},
		{"summary with NUL", "updateProduct", vtSet("summary", "Fast\x00"), in("summary"), "INVALID"},
		{"contact name with BEL", "business", vtSet("contactName", "Al\x07ice"), in("contactName"), "INVALID"},
		{"contact address with newline", "preSales", vtSet("contactAddress", "1 Acme Road\nBeijing"), in("contactAddress"), "INVALID"},
		{"seller name with NUL", "createSeller", vtSet("name", "Init\x00ech"), in("name"), "INVALID"},
		{"account ID with newline", "createSeller", vtSet("accountID", "init\nech"), in("accountID"), "INVALID"},
		{"reason with NUL", "reject", vtSet("reason", "Bad\x00"), []string{"reason"}, "INVALID"},
		{"comment with ESC", "approve", vtSet("comment", "OK\x1b[31m"), []string{"comment"}, "INVALID"},
		{"time zone with newline", "createGroup", vtSet("timeZone", "Asia/\nShanghai"), in("timeZone"), "INVALID"},
		// required
		{"group name blank", "createGroup", vtSet("name", "   "), in("name"), "REQUIRED"},
		{"group name empty on update", "updateGroup", vtSet("name", ""), in("name"), "REQUIRED"},
		{"product name blank", "createProduct", vtSet("name", " \t "), in("name"), "REQUIRED"},
		{"product name blank on update", "updateProduct", vtSet("name", "  "), in("name"), "REQUIRED"},
		{"contact name blank", "business", vtSet("contactName", "  "), in("contactName"), "REQUIRED"},
		{"contact address blank", "preSales", vtSet("contactAddress", "   "), in("contactAddress"), "REQUIRED"},
		{"account ID blank", "createSeller", vtSet("accountID", "  "), in("accountID"), "REQUIRED"},
		{"seller name empty", "createSeller", vtSet("name", ""), in("name"), "REQUIRED"},
		{"reason empty", "reject", vtSet("reason", ""), []string{"reason"}, "REQUIRED"},
		{"reason blank", "reject", vtSet("reason", " \n\t "), []string{"reason"}, "REQUIRED"},
		// service days
		{"service days empty", "createGroup", vtSet("serviceDays", []string{}), in("serviceDays"), "REQUIRED"},
		{"service days empty on update", "updateGroup", vtSet("serviceDays", []string{}), in("serviceDays"), "REQUIRED"},
		{"service day twice", "createGroup", vtSet("serviceDays", []string{"MONDAY", "TUESDAY", "MONDAY"}), in("serviceDays", "2"), "INVALID"},
		{"service day twice, adjacent", "updateGroup", vtSet("serviceDays", []string{"FRIDAY", "FRIDAY"}), in("serviceDays", "1"), "INVALID"},
		// service hours
		{"service hours empty", "createGroup", vtSet("serviceHours", vtHours()), in("serviceHours"), "REQUIRED"},
		{"five ranges", "createGroup", vtSet("serviceHours", vtHours("00:00", "01:00", "02:00", "03:00", "04:00", "05:00", "06:00", "07:00", "08:00", "18:00")), in("serviceHours"), "INVALID"},
		{"start without leading zero", "createGroup", vtSet("serviceHours", vtHours("9:00", "18:00")), in("serviceHours", "0", "start"), "INVALID"},
		{"end 24:01", "createGroup", vtSet("serviceHours", vtHours("09:00", "24:01")), in("serviceHours", "0", "end"), "INVALID"},
		{"end 18:60", "createGroup", vtSet("serviceHours", vtHours("09:00", "18:60")), in("serviceHours", "0", "end"), "INVALID"},
		{"end 25:00", "updateGroup", vtSet("serviceHours", vtHours("09:00", "25:00")), in("serviceHours", "0", "end"), "INVALID"},
		{"start 24:00", "createGroup", vtSet("serviceHours", vtHours("24:00", "24:00")), in("serviceHours", "0", "start"), "INVALID"},
		{"start with seconds", "createGroup", vtSet("serviceHours", vtHours("09:00:00", "18:00")), in("serviceHours", "0", "start"), "INVALID"},
		{"start after end", "createGroup", vtSet("serviceHours", vtHours("18:00", "09:00")), in("serviceHours", "0", "end"), "INVALID"},
		{"start equals end", "updateGroup", vtSet("serviceHours", vtHours("09:00", "09:00")), in("serviceHours", "0", "end"), "INVALID"},
		{"second range start after end", "createGroup", vtSet("serviceHours", vtHours("08:00", "12:00", "18:00", "13:00")), in("serviceHours", "1", "end"), "INVALID"},
		{"second range bad end", "createGroup", vtSet("serviceHours", vtHours("08:00", "12:00", "13:00", "1800")), in("serviceHours", "1", "end"), "INVALID"},
		{"unsorted", "createGroup", vtSet("serviceHours", vtHours("13:00", "18:00", "08:00", "12:00")), in("serviceHours", "1", "start"), "INVALID"},
		{"overlapping", "createGroup", vtSet("serviceHours", vtHours("08:00", "12:00", "11:59", "18:00")), in("serviceHours", "1", "start"), "INVALID"},
		{"overlapping third range", "updateGroup", vtSet("serviceHours", vtHours("08:00", "10:00", "10:00", "12:00", "11:00", "18:00")), in("serviceHours", "2", "start"), "INVALID"},
		{"contained range", "createGroup", vtSet("serviceHours", vtHours("08:00", "18:00", "09:00", "10:00")), in("serviceHours", "1", "start"), "INVALID"},
		// time zone
		{"time zone empty", "createGroup", vtSet("timeZone", ""), in("timeZone"), "REQUIRED"},
		{"time zone blank", "updateGroup", vtSet("timeZone", "  "), in("timeZone"), "REQUIRED"},
		{"time zone on Mars", "createGroup", vtSet("timeZone", "Mars/Olympus"), in("timeZone"), "INVALID"},
		{"time zone Local", "createGroup", vtSet("timeZone", "Local"), in("timeZone"), "INVALID"},
		{"time zone offset text", "createGroup", vtSet("timeZone", "+08:00"), in("timeZone"), "INVALID"},
		{"time zone path", "updateGroup", vtSet("timeZone", "../etc/passwd"), in("timeZone"), "INVALID"},
		// duplicates
		{"account ID taken", "createSeller", vtSet("accountID", "acme"), in("accountID"), "CONFLICT"},
		{"account ID taken, with spaces", "createSeller", vtSet("accountID", "  globex  "), in("accountID"), "CONFLICT"},
	}
	for _, c := range cases {
		t.Run(c.op+"/"+c.name, func(t *testing.T) {
			t.Parallel()
			op, ok := vtOps[c.op]
			if !ok {
				t.Fatalf("unknown op %s", c.op)
			}
			env := wfNewEnv(t)
			vars := op.vars(t, env)
			c.edit(vars)
			before := wfSnapshot(t, env)
			pl := wfMutate(t, env, op.as, op.mutation, vars)
			wfWantUserError(t, pl, c.code, c.field)
			wfUnchanged(t, env, before)
		})
	}
}

// TestValidationAccepted runs edge cases that must be accepted and checks
// what is stored: trimmed, phone numbers in E.164, limits counted in
// characters.
func TestValidationAccepted(t *testing.T) {
	t.Parallel()
	long := func(r string, n int) string { return strings.Repeat(r, n) }
	type tc struct {
		name string
		op   string
		edit func(map[string]any)
		// want maps stored fields (as vtOp.read returns them) to values.
		want map[string]any
	}
	cases := []tc{
		// phone
		{"national CN landline", "preSales", vtSet("phone", "010 6552 9988"), map[string]any{"phone": "+861065529988"}},
		{"national CN landline, dashes", "business", vtSet("phone", "010-6552-9988"), map[string]any{"phone": "+861065529988"}},
		{"national CN mobile", "createGroup", vtSet("phone", "138 0013 8000"), map[string]any{"phone": "+8613800138000"}},
		{"international US", "business", vtSet("phone", "+1 650-253-0000"), map[string]any{"phone": "+16502530000"}},
		{"international UK", "createGroup", vtSet("phone", "+44 20 7031 3000"), map[string]any{"phone": "+442070313000"}},
		{"international with spaces around", "updateGroup", vtSet("phone", "  +86 21 6279 8899  "), map[string]any{"phone": "+862162798899"}},
		// email
		{"email trimmed", "preSales", vtSet("email", "  sales@acme.example  "), map[string]any{"email": "sales@acme.example"}},
		{"email 254 characters", "createGroup", vtSet("email", vtEmailOfLength(254)), map[string]any{"email": vtEmailOfLength(254)}},
		{"email with plus and subdomain", "business", vtSet("email", "alice+ops@mail.acme.example"), map[string]any{"email": "alice+ops@mail.acme.example"}},
		// trimming
		{"group name trimmed", "createGroup", vtSet("name", "  Acme  "), map[string]any{"name": "Acme"}},
		{"group name trimmed on update", "updateGroup", vtSet("name", "\tAcme\t"), map[string]any{"name": "Acme"}},
		{"product name trimmed", "createProduct", vtSet("name", "  Acme  "), map[string]any{"name": "Acme"}},
		{"product name trimmed on update", "updateProduct", vtSet("name", "  Acme  "), map[string]any{"name": "Acme"}},
		{"seller name trimmed", "createSeller", vtSet("name", "  Acme Trading  "), map[string]any{"name": "Acme Trading"}},
		{"account ID trimmed", "createSeller", vtSet("accountID", "  initech  "), map[string]any{"accountID": "initech"}},
		{"contact name trimmed", "business", vtSet("contactName", "  Alice Chen  "), map[string]any{"contactName": "Alice Chen"}},
		{"contact address trimmed", "preSales", vtSet("contactAddress", "  1 Acme Road  "), map[string]any{"contactAddress": "1 Acme Road"}},
		{"summary blank is empty", "createProduct", vtSet("summary", "   "), map[string]any{"summary": ""}},
		{"reason trimmed", "reject", vtSet("reason", "  Unreachable  "), map[string]any{"reason": "Unreachable"}},
		{"time zone trimmed", "createGroup", vtSet("timeZone", " Asia/Tokyo "), map[string]any{"timeZone": "Asia/Tokyo"}},
		// limits count characters, not bytes
		{"group name 64 three-byte characters", "createGroup", vtSet("name", long("界", 64)), map[string]any{"name": long("界", 64)}},
		{"product name 64 two-byte characters", "createProduct", vtSet("name", long("é", 64)), map[string]any{"name": long("é", 64)}},
		{"seller name 64 characters", "createSeller", vtSet("name", long("界", 64)), map[string]any{"name": long("界", 64)}},
		{"contact name 64 characters", "business", vtSet("contactName", long("é", 64)), map[string]any{"contactName": long("é", 64)}},
		{"summary 1000 characters", "updateProduct", vtSet("summary", long("界", 1000)), map[string]any{"summary": long("界", 1000)}},
		{"contact address 256 characters", "preSales", vtSet("contactAddress", long("号", 256)), map[string]any{"contactAddress": long("号", 256)}},
		{"reason 1000 characters", "reject", vtSet("reason", long("é", 1000)), map[string]any{"reason": long("é", 1000)}},
		{"comment 1000 characters", "approve", vtSet("comment", long("é", 1000)), map[string]any{"comment": long("é", 1000)}},
		// schedule
		{"touching ranges", "createGroup", vtSet("serviceHours", vtHours("08:00", "12:00", "12:00", "18:00")),
			map[string]any{"serviceHours": []any{map[string]any{"start": "08:00", "end": "12:00"}, map[string]any{"start": "12:00", "end": "18:00"}}}},
		{"end 24:00", "createGroup", vtSet("serviceHours", vtHours("16:00", "24:00")),
			map[string]any{"serviceHours": []any{map[string]any{"start": "16:00", "end": "24:00"}}}},
		{"whole day", "updateGroup", vtSet("serviceHours", vtHours("00:00", "24:00")),
			map[string]any{"serviceHours": []any{map[string]any{"start": "00:00", "end": "24:00"}}}},
		{"four ranges", "createGroup", vtSet("serviceHours", vtHours("00:00", "01:00", "02:00", "03:00", "04:00", "05:00", "06:00", "18:00")),
			map[string]any{"serviceHours": []any{
				map[string]any{"start": "00:00", "end": "01:00"}, map[string]any{"start": "02:00", "end": "03:00"},
				map[string]any{"start": "04:00", "end": "05:00"}, map[string]any{"start": "06:00", "end": "18:00"}}}},
		{"one service day", "createGroup", vtSet("serviceDays", []string{"SUNDAY"}), map[string]any{"serviceDays": []any{"SUNDAY"}}},
		{"seven service days", "createGroup", vtSet("serviceDays", wfAllDays), map[string]any{"serviceDays": []any{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"}}},
		{"time zone UTC", "createGroup", vtSet("timeZone", "UTC"), map[string]any{"timeZone": "UTC"}},
		{"time zone with underscore", "updateGroup", vtSet("timeZone", "America/Los_Angeles"), map[string]any{"timeZone": "America/Los_Angeles"}},
	}
	for _, c := range cases {
		t.Run(c.op+"/"+c.name, func(t *testing.T) {
			t.Parallel()
			op := vtOps[c.op]
			env := wfNewEnv(t)
			vars := op.vars(t, env)
			c.edit(vars)
			pl := wfMutate(t, env, op.as, op.mutation, vars)
			if len(pl.UserErrors) > 0 || pl.empty() {
				t.Fatalf("payload %+v, want success", pl)
			}
			got := op.read(t, env, pl)
			for k, want := range c.want {
				if !vtEqual(got[k], want) {
					t.Errorf("stored %s = %#v, want %#v", k, got[k], want)
				}
			}
		})
	}
}

// vtEqual compares decoded values.
func vtEqual(a, b any) bool {
	switch a := a.(type) {
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !vtEqual(a[i], b[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k := range a {
			if !vtEqual(a[k], b[k]) {
				return false
			}
		}
		return true
	default:
		return a == b
	}
}

// TestValidationEmailOfLength checks the test's own address builder.
func TestValidationEmailOfLength(t *testing.T) {
	t.Parallel()
	for _, n := range []int{70, 100, 130, 131, 132, 253, 254, 255, 300} {
		e := vtEmailOfLength(n)
		if len(e) != n || strings.Count(e, "@") != 1 || strings.Contains(e, "..") || strings.Contains(e, "@.") {
			t.Errorf("vtEmailOfLength(%d) = %q (%d)", n, e, len(e))
		}
		_, domain, _ := strings.Cut(e, "@")
		for _, label := range strings.Split(domain, ".") {
			if len(label) == 0 || len(label) > 63 {
				t.Errorf("vtEmailOfLength(%d): label %q", n, label)
			}
		}
	}
}
