package emulator

import (
	"bufio"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// motoTx is the launcher that runs moto's server with transactions that
// snapshot only the items they touch (see the script's own comment).
//
//go:embed moto_tx.py
var motoTx []byte

// fastTransactions returns a Python interpreter that has moto (python3 on
// the PATH, else the one named by the #! line of the moto_server script at
// bin) and the launcher, written to a file of its own under the temporary
// directory.
func fastTransactions(bin string) (python, script string, err error) {
	python, err = motoPython(bin)
	if err != nil {
		return "", "", err
	}
	sum := sha256.Sum256(motoTx)
	script = filepath.Join(os.TempDir(), "cardloop-moto-tx-"+hex.EncodeToString(sum[:6])+".py")
	if _, err := os.Stat(script); err != nil {
		tmp := script + fmt.Sprintf(".%d", os.Getpid())
		if err := os.WriteFile(tmp, motoTx, 0o644); err != nil {
			return "", "", fmt.Errorf("write %s: %w", script, err)
		}
		if err := os.Rename(tmp, script); err != nil {
			return "", "", fmt.Errorf("write %s: %w", script, err)
		}
	}
	return python, script, nil
}

func motoPython(bin string) (string, error) {
	candidates := []string{"python3"}
	if f, err := os.Open(bin); err == nil {
		line, _ := bufio.NewReader(f).ReadString('\n')
		f.Close()
		if fields := strings.Fields(strings.TrimPrefix(line, "#!")); strings.HasPrefix(line, "#!") && len(fields) > 0 && strings.Contains(filepath.Base(fields[0]), "python") {
			candidates = append(candidates, fields[0])
		}
	}
	for _, c := range candidates {
		if err := exec.Command(c, "-c", "import moto.server, moto.dynamodb.models.table").Run(); err == nil {
			return c, nil
		}
	}
	return "", errors.New("no Python interpreter with moto found")
}
