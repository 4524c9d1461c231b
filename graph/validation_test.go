package graph_test

// Every validation rule of the design, through the mutations: each refused
// input answers exactly one userErrors entry with the input's path and code
// and writes nothing; each accepted edge case is stored normalised.
// They use the shared harness (harness*_test.go).

import (
	"strings"
	"testing"
)

// validationOp is a mutation under test with a valid input and what it needs first.
type validationOp struct {
	mutation string
	as       Persona
	// vars returns valid variables; it may create what the mutation needs
	// (before the "nothing changed" snapshot is taken).
	vars func(t *testing.T, env *Env) map[string]any
	// read re-reads the stored object of a successful payload, keyed like
	// the input fields.
	read func(t *testing.T, env *Env, pl Payload) map[string]any
}

// Operations, keyed by a short name used in the case tables.
var validationOps = map[string]validationOp{
	"createGroup": {
		mutation: CreateGroupM, as: Owner,
		vars: func(*testing.T, *Env) map[string]any { return map[string]any{"in": GroupInput("Acme Support")} },
		read: readGroup,
	},
	"updateGroup": {
		mutation: UpdateGroupM, as: Owner,
		vars: func(t *testing.T, env *Env) map[string]any {
			in := GroupInput("Acme Support")
			in["name"] = "Old Name"
			id := env.CreateGroup(Owner, in)
			return map[string]any{"id": id, "in": GroupInput("Acme Support")}
		},
		read: readGroup,
	},
	"business": {
		mutation: SubmitBusinessM, as: Owner,
		vars: func(*testing.T, *Env) map[string]any {
			return map[string]any{"in": map[string]any{"contactName": "Alice Chen", "phone": "+86 10 6552 9988", "email": "alice@acme.example"}}
		},
		read: readContact,
	},
	"preSales": {
		mutation: SubmitPreSalesM, as: Owner,
		vars: func(*testing.T, *Env) map[string]any {
			return map[string]any{"in": map[string]any{"phone": "+86 10 6552 9988", "email": "sales@acme.example", "contactAddress": "1 Acme Road, Beijing"}}
		},
		read: readContact,
	},
	"createProduct": {
		mutation: CreateProductM, as: Owner,
		vars: func(*testing.T, *Env) map[string]any {
			return map[string]any{"in": map[string]any{"name": "Acme Compute", "summary": "Virtual machines."}}
		},
		read: readProduct,
	},
	"updateProduct": {
		mutation: UpdateProductM, as: Owner,
		vars: func(t *testing.T, env *Env) map[string]any {
			id := env.CreateProduct(Owner, "Old Name", "")
			return map[string]any{"id": id, "in": map[string]any{"name": "Acme Compute", "summary": "Virtual machines."}}
		},
		read: readProduct,
	},
	"createSeller": {
		mutation: CreateSellerM, as: Admin,
		vars: func(*testing.T, *Env) map[string]any {
			return map[string]any{"in": map[string]any{"accountID": "initech", "name": "Initech"}}
		},
		read: func(t *testing.T, env *Env, pl Payload) map[string]any {
			var out struct{ Node *SellerData }
			env.MustDo(Admin, `query($id: ID!) { node(id: $id) { ... on Seller { `+SellerSel+` } } }`, map[string]any{"id": pl.Seller.ID}, &out)
			if out.Node == nil {
				t.Fatalf("seller %s not found", pl.Seller.ID)
			}
			return map[string]any{"accountID": out.Node.AccountID, "name": out.Node.Name}
		},
	},
	"reject": {
		mutation: RejectM, as: Reviewer,
		vars: func(t *testing.T, env *Env) map[string]any {
			id := env.SubmitPreSales(Owner, "+86 10 6552 9988", "sales@acme.example", "1 Acme Road")
			return map[string]any{"id": id, "reason": "Phone unreachable"}
		},
		read: readReviewComment,
	},
	"approve": {
		mutation: ApproveM, as: Reviewer,
		vars: func(t *testing.T, env *Env) map[string]any {
			id := env.SubmitPreSales(Owner, "+86 10 6552 9988", "sales@acme.example", "1 Acme Road")
			return map[string]any{"id": id, "comment": "Looks good"}
		},
		read: readReviewComment,
	},
}

func readGroup(t *testing.T, env *Env, pl Payload) map[string]any {
	g := env.GetGroup(Owner, pl.CustomerServiceGroup.ID)
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

func readContact(t *testing.T, env *Env, pl Payload) map[string]any {
	c := env.GetReview(pl.Review.ID).Contact
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

func readProduct(t *testing.T, env *Env, pl Payload) map[string]any {
	p := env.GetProduct(pl.Product.ID)
	return map[string]any{"name": p.Name, "summary": p.Summary}
}

func readReviewComment(t *testing.T, env *Env, pl Payload) map[string]any {
	r := env.GetReview(pl.Review.ID)
	out := map[string]any{}
	if r.Comment != nil {
		out["comment"] = *r.Comment
		out["reason"] = *r.Comment
	}
	return out
}

// setField returns an edit that sets input field k (or, for the review
// decisions, the variable k) to v.
func setField(k string, v any) func(map[string]any) {
	return func(vars map[string]any) {
		if in, ok := vars["in"].(map[string]any); ok {
			in[k] = v
			return
		}
		vars[k] = v
	}
}

// emailOfLength returns a well-formed address of exactly n characters
// (n ≥ 70): a 64-character local part and DNS-sized domain labels.
func emailOfLength(n int) string {
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
		{"phone too short", "createGroup", setField("phone", "12345"), in("phone"), "INVALID"},
		{"phone country code only", "createGroup", setField("phone", "+86 123"), in("phone"), "INVALID"},
		{"phone words", "preSales", setField("phone", "call us"), in("phone"), "INVALID"},
		{"phone too short, international", "business", setField("phone", "+1 555 0100"), in("phone"), "INVALID"},
		{"phone empty", "business", setField("phone", ""), in("phone"), "REQUIRED"},
		{"phone blank", "preSales", setField("phone", "   "), in("phone"), "REQUIRED"},
		{"phone with NUL", "preSales", setField("phone", "+86 10 6552\x009988"), in("phone"), "INVALID"},
		{"phone with newline", "createGroup", setField("phone", "+86 10 6552\n9988"), in("phone"), "INVALID"},
		{"phone invalid on update", "updateGroup", setField("phone", "+1 555"), in("phone"), "INVALID"},
		// email
		{"email with display name", "createGroup", setField("email", "A <a@b.co>"), in("email"), "INVALID"},
		{"email in angle brackets", "business", setField("email", "<a@b.co>"), in("email"), "INVALID"},
		{"email without dot in domain", "business", setField("email", "alice@localhost"), in("email"), "INVALID"},
		{"email two addresses, comma", "preSales", setField("email", "a@b.co, c@d.co"), in("email"), "INVALID"},
		{"email two addresses, semicolon", "createGroup", setField("email", "a@b.co;c@d.co"), in("email"), "INVALID"},
		{"email two at signs", "preSales", setField("email", "a@b@c.co"), in("email"), "INVALID"},
		{"email no local part", "createGroup", setField("email", "@b.co"), in("email"), "INVALID"},
		{"email empty label", "createGroup", setField("email", "a@b..co"), in("email"), "INVALID"},
		{"email 255 characters", "createGroup", setField("email", emailOfLength(255)), in("email"), "TOO_LONG"},
		{"email 255 characters on update", "updateGroup", setField("email", emailOfLength(255)), in("email"), "TOO_LONG"},
		{"email empty", "preSales", setField("email", ""), in("email"), "REQUIRED"},
		{"email blank", "business", setField("email", " \t "), in("email"), "REQUIRED"},
		{"email with newline", "business", setField("email", "a@b.co\nBcc: c@d.co"), in("email"), "INVALID"},
		// names: 65 two-byte runes (130 bytes) and 65 three-byte runes
		{"group name 65 characters", "createGroup", setField("name", long("é", 65)), in("name"), "TOO_LONG"},
		{"group name 65 characters on update", "updateGroup", setField("name", long("界", 65)), in("name"), "TOO_LONG"},
		{"product name 65 characters", "createProduct", setField("name", long("界", 65)), in("name"), "TOO_LONG"},
		{"product name 65 characters on update", "updateProduct", setField("name", long("é", 65)), in("name"), "TOO_LONG"},
		{"seller name 65 characters", "createSeller", setField("name", long("界", 65)), in("name"), "TOO_LONG"},
		{"contact name 65 characters", "business", setField("contactName", long("é", 65)), in("contactName"), "TOO_LONG"},
		// other lengths
		{"summary 1001 characters", "createProduct", setField("summary", long("é", 1001)), in("summary"), "TOO_LONG"},
		{"summary 1001 characters on update", "updateProduct", setField("summary", long("界", 1001)), in("summary"), "TOO_LONG"},
		{"contact address 257 characters", "preSales", setField("contactAddress", long("号", 257)), in("contactAddress"), "TOO_LONG"},
		{"reason 1001 characters", "reject", setField("reason", long("é", 1001)), []string{"reason"}, "TOO_LONG"},
		{"comment 1001 characters", "approve", setField("comment", long("é", 1001)), []string{"comment"}, "TOO_LONG"},
		// control characters
		{"group name with NUL", "createGroup", setField("name", "Sup\x00port"), in("name"), "INVALID"},
		{"group name with newline", "updateGroup", setField("name", "Sup\nport"), in("name"), "INVALID"},
		{"product name with newline", "createProduct", setField("name", "Acme\nCompute"), in("name"), "INVALID"},
		{"product name with NUL", "updateProduct", setField("name", "Acme\x00"), in("name"), "INVALID"},
		{"summary with newline", "createProduct", setField("summary", "Line one\nLine two"), in("summary"), "INVALID"},
		{"summary with NUL", "updateProduct", setField("summary", "Fast\x00"), in("summary"), "INVALID"},
		{"contact name with BEL", "business", setField("contactName", "Al\x07ice"), in("contactName"), "INVALID"},
		{"contact address with newline", "preSales", setField("contactAddress", "1 Acme Road\nBeijing"), in("contactAddress"), "INVALID"},
		{"seller name with NUL", "createSeller", setField("name", "Init\x00ech"), in("name"), "INVALID"},
		{"account ID with newline", "createSeller", setField("accountID", "init\nech"), in("accountID"), "INVALID"},
		{"reason with NUL", "reject", setField("reason", "Bad\x00"), []string{"reason"}, "INVALID"},
		{"comment with ESC", "approve", setField("comment", "OK\x1b[31m"), []string{"comment"}, "INVALID"},
		{"time zone with newline", "createGroup", setField("timeZone", "Asia/\nShanghai"), in("timeZone"), "INVALID"},
		// required
		{"group name blank", "createGroup", setField("name", "   "), in("name"), "REQUIRED"},
		{"group name empty on update", "updateGroup", setField("name", ""), in("name"), "REQUIRED"},
		{"product name blank", "createProduct", setField("name", " \t "), in("name"), "REQUIRED"},
		{"product name blank on update", "updateProduct", setField("name", "  "), in("name"), "REQUIRED"},
		{"contact name blank", "business", setField("contactName", "  "), in("contactName"), "REQUIRED"},
		{"contact address blank", "preSales", setField("contactAddress", "   "), in("contactAddress"), "REQUIRED"},
		{"account ID blank", "createSeller", setField("accountID", "  "), in("accountID"), "REQUIRED"},
		{"seller name empty", "createSeller", setField("name", ""), in("name"), "REQUIRED"},
		{"reason empty", "reject", setField("reason", ""), []string{"reason"}, "REQUIRED"},
		{"reason blank", "reject", setField("reason", " \n\t "), []string{"reason"}, "REQUIRED"},
		// service days
		{"service days empty", "createGroup", setField("serviceDays", []string{}), in("serviceDays"), "REQUIRED"},
		{"service days empty on update", "updateGroup", setField("serviceDays", []string{}), in("serviceDays"), "REQUIRED"},
		{"service day twice", "createGroup", setField("serviceDays", []string{"MONDAY", "TUESDAY", "MONDAY"}), in("serviceDays", "2"), "INVALID"},
		{"service day twice, adjacent", "updateGroup", setField("serviceDays", []string{"FRIDAY", "FRIDAY"}), in("serviceDays", "1"), "INVALID"},
		// service hours
		{"service hours empty", "createGroup", setField("serviceHours", Hours()), in("serviceHours"), "REQUIRED"},
		{"five ranges", "createGroup", setField("serviceHours", Hours("00:00", "01:00", "02:00", "03:00", "04:00", "05:00", "06:00", "07:00", "08:00", "18:00")), in("serviceHours"), "INVALID"},
		{"start without leading zero", "createGroup", setField("serviceHours", Hours("9:00", "18:00")), in("serviceHours", "0", "start"), "INVALID"},
		{"end 24:01", "createGroup", setField("serviceHours", Hours("09:00", "24:01")), in("serviceHours", "0", "end"), "INVALID"},
		{"end 18:60", "createGroup", setField("serviceHours", Hours("09:00", "18:60")), in("serviceHours", "0", "end"), "INVALID"},
		{"end 25:00", "updateGroup", setField("serviceHours", Hours("09:00", "25:00")), in("serviceHours", "0", "end"), "INVALID"},
		{"start 24:00", "createGroup", setField("serviceHours", Hours("24:00", "24:00")), in("serviceHours", "0", "start"), "INVALID"},
		{"start with seconds", "createGroup", setField("serviceHours", Hours("09:00:00", "18:00")), in("serviceHours", "0", "start"), "INVALID"},
		{"start after end", "createGroup", setField("serviceHours", Hours("18:00", "09:00")), in("serviceHours", "0", "end"), "INVALID"},
		{"start equals end", "updateGroup", setField("serviceHours", Hours("09:00", "09:00")), in("serviceHours", "0", "end"), "INVALID"},
		{"second range start after end", "createGroup", setField("serviceHours", Hours("08:00", "12:00", "18:00", "13:00")), in("serviceHours", "1", "end"), "INVALID"},
		{"second range bad end", "createGroup", setField("serviceHours", Hours("08:00", "12:00", "13:00", "1800")), in("serviceHours", "1", "end"), "INVALID"},
		{"unsorted", "createGroup", setField("serviceHours", Hours("13:00", "18:00", "08:00", "12:00")), in("serviceHours", "1", "start"), "INVALID"},
		{"overlapping", "createGroup", setField("serviceHours", Hours("08:00", "12:00", "11:59", "18:00")), in("serviceHours", "1", "start"), "INVALID"},
		{"overlapping third range", "updateGroup", setField("serviceHours", Hours("08:00", "10:00", "10:00", "12:00", "11:00", "18:00")), in("serviceHours", "2", "start"), "INVALID"},
		{"contained range", "createGroup", setField("serviceHours", Hours("08:00", "18:00", "09:00", "10:00")), in("serviceHours", "1", "start"), "INVALID"},
		// time zone
		{"time zone empty", "createGroup", setField("timeZone", ""), in("timeZone"), "REQUIRED"},
		{"time zone blank", "updateGroup", setField("timeZone", "  "), in("timeZone"), "REQUIRED"},
		{"time zone on Mars", "createGroup", setField("timeZone", "Mars/Olympus"), in("timeZone"), "INVALID"},
		{"time zone Local", "createGroup", setField("timeZone", "Local"), in("timeZone"), "INVALID"},
		{"time zone offset text", "createGroup", setField("timeZone", "+08:00"), in("timeZone"), "INVALID"},
		{"time zone path", "updateGroup", setField("timeZone", "../etc/passwd"), in("timeZone"), "INVALID"},
		// duplicates
		{"account ID taken", "createSeller", setField("accountID", "acme"), in("accountID"), "CONFLICT"},
		{"account ID taken, with spaces", "createSeller", setField("accountID", "  globex  "), in("accountID"), "CONFLICT"},
	}
	for _, c := range cases {
		t.Run(c.op+"/"+c.name, func(t *testing.T) {
			t.Parallel()
			op, ok := validationOps[c.op]
			if !ok {
				t.Fatalf("unknown op %s", c.op)
			}
			env := NewEnv(t)
			vars := op.vars(t, env)
			c.edit(vars)
			before := env.Snapshot()
			pl := env.Mutate(op.as, op.mutation, vars)
			WantUserError(t, pl, c.code, c.field)
			env.Unchanged(before)
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
		// want maps stored fields (as validationOp.read returns them) to values.
		want map[string]any
	}
	cases := []tc{
		// phone
		{"national CN landline", "preSales", setField("phone", "010 6552 9988"), map[string]any{"phone": "+861065529988"}},
		{"national CN landline, dashes", "business", setField("phone", "010-6552-9988"), map[string]any{"phone": "+861065529988"}},
		{"national CN mobile", "createGroup", setField("phone", "138 0013 8000"), map[string]any{"phone": "+8613800138000"}},
		{"international US", "business", setField("phone", "+1 650-253-0000"), map[string]any{"phone": "+16502530000"}},
		{"international UK", "createGroup", setField("phone", "+44 20 7031 3000"), map[string]any{"phone": "+442070313000"}},
		{"international with spaces around", "updateGroup", setField("phone", "  +86 21 6279 8899  "), map[string]any{"phone": "+862162798899"}},
		// email
		{"email trimmed", "preSales", setField("email", "  sales@acme.example  "), map[string]any{"email": "sales@acme.example"}},
		{"email 254 characters", "createGroup", setField("email", emailOfLength(254)), map[string]any{"email": emailOfLength(254)}},
		{"email with plus and subdomain", "business", setField("email", "alice+ops@mail.acme.example"), map[string]any{"email": "alice+ops@mail.acme.example"}},
		// trimming
		{"group name trimmed", "createGroup", setField("name", "  Acme  "), map[string]any{"name": "Acme"}},
		{"group name trimmed on update", "updateGroup", setField("name", "\tAcme\t"), map[string]any{"name": "Acme"}},
		{"product name trimmed", "createProduct", setField("name", "  Acme  "), map[string]any{"name": "Acme"}},
		{"product name trimmed on update", "updateProduct", setField("name", "  Acme  "), map[string]any{"name": "Acme"}},
		{"seller name trimmed", "createSeller", setField("name", "  Acme Trading  "), map[string]any{"name": "Acme Trading"}},
		{"account ID trimmed", "createSeller", setField("accountID", "  initech  "), map[string]any{"accountID": "initech"}},
		{"contact name trimmed", "business", setField("contactName", "  Alice Chen  "), map[string]any{"contactName": "Alice Chen"}},
		{"contact address trimmed", "preSales", setField("contactAddress", "  1 Acme Road  "), map[string]any{"contactAddress": "1 Acme Road"}},
		{"summary blank is empty", "createProduct", setField("summary", "   "), map[string]any{"summary": ""}},
		{"reason trimmed", "reject", setField("reason", "  Unreachable  "), map[string]any{"reason": "Unreachable"}},
		{"time zone trimmed", "createGroup", setField("timeZone", " Asia/Tokyo "), map[string]any{"timeZone": "Asia/Tokyo"}},
		// limits count characters, not bytes
		{"group name 64 three-byte characters", "createGroup", setField("name", long("界", 64)), map[string]any{"name": long("界", 64)}},
		{"product name 64 two-byte characters", "createProduct", setField("name", long("é", 64)), map[string]any{"name": long("é", 64)}},
		{"seller name 64 characters", "createSeller", setField("name", long("界", 64)), map[string]any{"name": long("界", 64)}},
		{"contact name 64 characters", "business", setField("contactName", long("é", 64)), map[string]any{"contactName": long("é", 64)}},
		{"summary 1000 characters", "updateProduct", setField("summary", long("界", 1000)), map[string]any{"summary": long("界", 1000)}},
		{"contact address 256 characters", "preSales", setField("contactAddress", long("号", 256)), map[string]any{"contactAddress": long("号", 256)}},
		{"reason 1000 characters", "reject", setField("reason", long("é", 1000)), map[string]any{"reason": long("é", 1000)}},
		{"comment 1000 characters", "approve", setField("comment", long("é", 1000)), map[string]any{"comment": long("é", 1000)}},
		// schedule
		{"touching ranges", "createGroup", setField("serviceHours", Hours("08:00", "12:00", "12:00", "18:00")),
			map[string]any{"serviceHours": []any{map[string]any{"start": "08:00", "end": "12:00"}, map[string]any{"start": "12:00", "end": "18:00"}}}},
		{"end 24:00", "createGroup", setField("serviceHours", Hours("16:00", "24:00")),
			map[string]any{"serviceHours": []any{map[string]any{"start": "16:00", "end": "24:00"}}}},
		{"whole day", "updateGroup", setField("serviceHours", Hours("00:00", "24:00")),
			map[string]any{"serviceHours": []any{map[string]any{"start": "00:00", "end": "24:00"}}}},
		{"four ranges", "createGroup", setField("serviceHours", Hours("00:00", "01:00", "02:00", "03:00", "04:00", "05:00", "06:00", "18:00")),
			map[string]any{"serviceHours": []any{
				map[string]any{"start": "00:00", "end": "01:00"}, map[string]any{"start": "02:00", "end": "03:00"},
				map[string]any{"start": "04:00", "end": "05:00"}, map[string]any{"start": "06:00", "end": "18:00"}}}},
		{"one service day", "createGroup", setField("serviceDays", []string{"SUNDAY"}), map[string]any{"serviceDays": []any{"SUNDAY"}}},
		{"seven service days", "createGroup", setField("serviceDays", AllDays), map[string]any{"serviceDays": []any{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"}}},
		{"time zone UTC", "createGroup", setField("timeZone", "UTC"), map[string]any{"timeZone": "UTC"}},
		{"time zone with underscore", "updateGroup", setField("timeZone", "America/Los_Angeles"), map[string]any{"timeZone": "America/Los_Angeles"}},
	}
	for _, c := range cases {
		t.Run(c.op+"/"+c.name, func(t *testing.T) {
			t.Parallel()
			op := validationOps[c.op]
			env := NewEnv(t)
			vars := op.vars(t, env)
			c.edit(vars)
			pl := env.Mutate(op.as, op.mutation, vars)
			if len(pl.UserErrors) > 0 || pl.Empty() {
				t.Fatalf("payload %+v, want success", pl)
			}
			got := op.read(t, env, pl)
			for k, want := range c.want {
				if !sameValue(got[k], want) {
					t.Errorf("stored %s = %#v, want %#v", k, got[k], want)
				}
			}
		})
	}
}

// sameValue compares decoded values.
func sameValue(a, b any) bool {
	switch a := a.(type) {
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !sameValue(a[i], b[i]) {
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
			if !sameValue(a[k], b[k]) {
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
		e := emailOfLength(n)
		if len(e) != n || strings.Count(e, "@") != 1 || strings.Contains(e, "..") || strings.Contains(e, "@.") {
			t.Errorf("emailOfLength(%d) = %q (%d)", n, e, len(e))
		}
		_, domain, _ := strings.Cut(e, "@")
		for _, label := range strings.Split(domain, ".") {
			if len(label) == 0 || len(label) > 63 {
				t.Errorf("emailOfLength(%d): label %q", n, label)
			}
		}
	}
}
