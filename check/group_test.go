package check

import (
	"reflect"
	"testing"
)

// TestSameSayingFields: changing any one field of a finding makes it say
// something else, but for the lines (and the event, where events are
// grouped): a field added to Finding must be compared, or named here.
func TestSameSayingFields(t *testing.T) {
	t.Parallel()
	base := Finding{File: "f", Line: 1, Job: "j", Tags: []string{"t"}, Assumptions: []string{"a"}, States: []State{{State: "s"}}}
	typ := reflect.TypeOf(base)
	for i := 0; i < typ.NumField(); i++ {
		name := typ.Field(i).Name
		other := base
		other.Tags = append([]string{}, base.Tags...)
		other.Assumptions = append([]string{}, base.Assumptions...)
		other.States = append([]State{}, base.States...)
		v := reflect.ValueOf(&other).Elem().Field(i)
		switch v.Kind() {
		case reflect.String:
			v.SetString(v.String() + "x")
		case reflect.Int:
			v.SetInt(v.Int() + 7)
		case reflect.Slice:
			v.Set(reflect.Append(v, reflect.New(v.Type().Elem()).Elem()))
		default:
			t.Fatalf("field %s: kind %s not covered by this test", name, v.Kind())
		}
		lines := name == "Line" || name == "AlsoAt"
		if got := sameSaying(&base, &other, false); got != lines {
			t.Errorf("sameSaying with %s changed = %v, want %v", name, got, lines)
		}
		if got := sameSaying(&base, &other, true); got != (lines || name == "Event") {
			t.Errorf("sameSaying (any event) with %s changed = %v, want %v", name, got, lines || name == "Event")
		}
	}
	if !sameSaying(&base, &base, false) {
		t.Error("a finding does not say the same as itself")
	}
}
