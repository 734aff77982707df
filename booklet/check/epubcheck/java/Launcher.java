// Runs EPUBCheck over many EPUBs in one JVM, writing one JSON report per EPUB.
//
// Usage:  java -cp epubcheck.jar[:<dir with Launcher.class>] Launcher <outdir>
//    or:  java -cp epubcheck.jar Launcher.java <outdir>      (single-file source launch)
//
// <outdir>/list.txt holds the EPUB paths, one per line (UTF-8). For the i-th path
// (counting from 0) the report goes to <outdir>/<i>.json and whatever EPUBCheck
// printed to <outdir>/<i>.log; then one line is printed on standard output:
//
//     BOOKLET-EPUBCHECK <i> <nanoseconds> <exit code>
//
// and after the last file "BOOKLET-EPUBCHECK-END". An exit code of -1 means the
// checker itself threw; the stack trace is in <i>.log. Each file is checked the way
// `java -jar epubcheck.jar <file> --json <i>.json -q` would check it.
//
// Stay-warm mode (for `booklet studio`): `Launcher --warm <outdir>` reads EPUB paths
// from standard input, one a line, and checks each as it arrives, in the same JVM, so
// only the first pays for the start and EPUBCheck's set-up. The reports and progress
// lines are as above, numbered from 0 in the order the paths arrive; the launcher
// exits when standard input closes.
//
// Kept to Java 11 so it compiles with `javac --release 11`.

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;

public class Launcher {
    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--warm")) {
            warm(new File(args[1]));
            return;
        }
        if (args.length != 1) {
            System.err.println("usage: Launcher <outdir>");
            System.exit(2);
        }
        File outdir = new File(args[0]);
        List<String> epubs = Files.readAllLines(new File(outdir, "list.txt").toPath(), StandardCharsets.UTF_8);
        PrintStream realOut = System.out;
        int index = 0;
        for (String epub : epubs) {
            if (epub.isEmpty()) {
                continue;
            }
            check(epub, outdir, index, realOut);
            index++;
        }
        realOut.println("BOOKLET-EPUBCHECK-END");
        realOut.flush();
    }

    // Check each EPUB named on standard input as it arrives, until standard input closes.
    static void warm(File outdir) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream realOut = System.out;
        int index = 0;
        for (String epub = in.readLine(); epub != null; epub = in.readLine()) {
            if (epub.isEmpty()) {
                continue;
            }
            check(epub, outdir, index, realOut);
            index++;
        }
    }

    // Check one EPUB into <outdir>/<index>.json and .log, then print its progress line.
    static void check(String epub, File outdir, int index, PrintStream realOut) throws Exception {
        PrintStream realErr = System.err;
        File json = new File(outdir, index + ".json");
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(captured, true, "UTF-8");
        System.setOut(capture);
        System.setErr(capture);
        int rc;
        long start = System.nanoTime();
        try {
            rc = new com.adobe.epubcheck.tool.EpubChecker().run(
                    new String[] {epub, "--json", json.getPath(), "-q"});
        } catch (Throwable t) {
            t.printStackTrace(capture);
            rc = -1;
        } finally {
            System.setOut(realOut);
            System.setErr(realErr);
        }
        long nanos = System.nanoTime() - start;
        capture.flush();
        Files.write(new File(outdir, index + ".log").toPath(), captured.toByteArray());
        realOut.println("BOOKLET-EPUBCHECK " + index + " " + nanos + " " + rc);
        realOut.flush();
    }
}
