package scenarios
import ("testing";"fmt")
func TestQuick(t *testing.T) {
	s := Default()
	fmt.Printf("%+v\n", s)
	out, err := Marshal(s)
	fmt.Println(string(out), err)
}
