// franz-client: franz-go's kgo client as a peer in firehose's tests, with franz-go's
// defaults unless a flag says otherwise. See ../README.md and ../build.sh.
//
//	franz-client produce --brokers B --topic T [--count N] [--compression C] [--timeout S]
//	    one record per stdin line, or N generated values with --count; unkeyed, so kgo's
//	    default partitioner places them. Prints "produced N records to T" on stderr.
//	franz-client consume --brokers B --topic T --group G --count N [--timeout S]
//	    reads N records in group G and prints each value on its own line, commits what it
//	    read, and leaves the group.
//
// Exit codes: 0 done, 1 a Kafka error or the deadline, 2 bad usage; errors are one line on
// stderr ("franz-client: ...").
//
// franz-go's defaults that matter here (pkg/kgo/config.go, defaultCfg, v1.22.3):
//   - compression: []CompressionCodec{SnappyCompression(), NoCompression()}: a batch goes
//     snappy, or plain if snappy would not make it smaller (sink.go keeps the compressed
//     form only when len(compressed) < len(toCompress));
//   - acks all, idempotent (InitProducerID), linger 10ms, UniformBytesPartitioner;
//   - client id "kgo";
//   - group balancers: []GroupBalancer{CooperativeStickyBalancer()}, in a classic group
//     (protocol "consumer"), starting a new group at the start of each partition;
//   - autocommit on; the default OnPartitionsRevoked commits all but the last poll.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "franz-client: %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
		var usage usageError
		if errors.As(err, &usage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return usageError{"usage: franz-client produce|consume --brokers B --topic T ..."}
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	brokers := fs.String("brokers", "", "seed brokers, comma-separated")
	topic := fs.String("topic", "", "topic")
	group := fs.String("group", "", "consumer group (consume)")
	count := fs.Int("count", 0, "records to produce (instead of stdin lines) or to consume")
	compression := fs.String("compression", "default", "none|gzip|snappy|lz4|zstd|default (franz-go's: snappy, else none)")
	timeout := fs.Duration("timeout", 30*time.Second, "give up after this long (exit 1)")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if *brokers == "" || *topic == "" {
		return usageError{"--brokers and --topic are required"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	opts := []kgo.Opt{kgo.SeedBrokers(strings.Split(*brokers, ",")...)}
	switch args[0] {
	case "produce":
		if *compression != "default" {
			codec, ok := map[string]kgo.CompressionCodec{
				"none": kgo.NoCompression(), "gzip": kgo.GzipCompression(), "snappy": kgo.SnappyCompression(),
				"lz4": kgo.Lz4Compression(), "zstd": kgo.ZstdCompression(),
			}[*compression]
			if !ok {
				return usageError{fmt.Sprintf("--compression %q: expected none, gzip, snappy, lz4, zstd or default", *compression)}
			}
			opts = append(opts, kgo.ProducerBatchCompression(codec))
		}
		return produce(ctx, append(opts, kgo.DefaultProduceTopic(*topic)), *topic, *count)
	case "consume":
		if *group == "" || *count <= 0 {
			return usageError{"consume needs --group and --count N > 0"}
		}
		return consume(ctx, append(opts, kgo.ConsumerGroup(*group), kgo.ConsumeTopics(*topic)), *count)
	default:
		return usageError{fmt.Sprintf("unknown command %q: produce or consume", args[0])}
	}
}

func produce(ctx context.Context, opts []kgo.Opt, topic string, count int) error {
	var values []string
	if count > 0 {
		for i := range count {
			values = append(values, fmt.Sprintf("franz-go value %d %s", i, strings.Repeat("repeated text compresses ", i%5)))
		}
	} else {
		scanner := bufio.NewScanner(os.Stdin)
		scanner.Buffer(make([]byte, 1<<20), 1<<20)
		for scanner.Scan() {
			values = append(values, scanner.Text())
		}
		if err := scanner.Err(); err != nil {
			return fmt.Errorf("reading stdin: %w", err)
		}
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return err
	}
	defer cl.Close()
	records := make([]*kgo.Record, len(values))
	for i, v := range values {
		records[i] = &kgo.Record{Value: []byte(v)}
	}
	// One call for all: kgo batches them per partition (linger 10ms) as an app's producer would.
	if err := cl.ProduceSync(ctx, records...).FirstErr(); err != nil {
		return fmt.Errorf("producing to %s: %w", topic, err)
	}
	fmt.Fprintf(os.Stderr, "produced %d records to %s\n", len(values), topic)
	return nil
}

func consume(ctx context.Context, opts []kgo.Opt, count int) error {
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return err
	}
	defer cl.Close() // leaves the group
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for read := 0; read < count; {
		// At most what is still wanted, so nothing polled goes unprinted or uncommitted.
		fetches := cl.PollRecords(ctx, count-read)
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("read %d of %d records: %w", read, count, err)
		}
		var fetchErr error
		fetches.EachError(func(topic string, partition int32, err error) {
			fetchErr = fmt.Errorf("fetching %s[%d]: %w", topic, partition, err)
		})
		if fetchErr != nil {
			return fetchErr
		}
		fetches.EachRecord(func(r *kgo.Record) {
			fmt.Fprintf(out, "%s\n", r.Value)
			read++
		})
	}
	// The default revoke on Close commits all but the last poll: commit that too.
	if err := cl.CommitUncommittedOffsets(ctx); err != nil {
		return fmt.Errorf("committing: %w", err)
	}
	return nil
}
