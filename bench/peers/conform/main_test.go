package conform

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if os.Getenv(outEnv) == "" {
		_ = os.RemoveAll(matrixOut())
	}
	if code == 0 {
		// eapache half-opens from a goroutine that sleeps for the recovery
		// timeout; hystrix counts each circuit's metrics on two goroutines
		// that never end. Both are what the libraries do (I11 in the matrix).
		err := goleak.Find(
			goleak.IgnoreAnyFunction("github.com/eapache/go-resiliency/breaker.(*Breaker).timer"),
			goleak.IgnoreAnyFunction("github.com/afex/hystrix-go/hystrix.(*metricExchange).Monitor"),
			goleak.IgnoreAnyFunction("github.com/afex/hystrix-go/hystrix.(*poolMetrics).Monitor"),
		)
		if err != nil {
			os.Stderr.WriteString("goleak: " + err.Error() + "\n")
			code = 1
		}
	}
	os.Exit(code)
}
