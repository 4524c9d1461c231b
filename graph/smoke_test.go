package graph_test

import "testing"

func TestProductPageAnonymous(t *testing.T) {
	env := NewEnv(t)
	w := env.Seed()
	r := env.Do(Anonymous, `query($id: ID!) { product(id: $id) { name status seller { name accountID } afterSalesGroup { name phone serviceDays serviceHours { start end } timeZone meetsServicePolicy } preSalesInfo { phone email } } }`,
		map[string]any{"id": w.ReleasedID})
	if len(r.Errors) > 0 {
		t.Fatalf("%+v", r.Errors)
	}
	JSONEq(t, r.Data, `{"product":{"name":"Acme Compute","status":"RELEASED","seller":{"name":"Acme Cloud","accountID":null},
	 "afterSalesGroup":{"name":"Acme Support","phone":"+861065529988","serviceDays":["MONDAY","TUESDAY","WEDNESDAY","THURSDAY","FRIDAY"],"serviceHours":[{"start":"09:00","end":"18:00"}],"timeZone":"Asia/Shanghai","meetsServicePolicy":true},
	 "preSalesInfo":{"phone":"+861065529988","email":"presales@acme.example"}}}`)
}
