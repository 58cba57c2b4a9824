package dev.obdj.nbd;

import java.io.IOException;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;
import java.util.Map;

/** Reaches the package-private NBD pieces the fuzz targets drive. */
public final class NbdFuzzAccess {
    private NbdFuzzAccess() {}

    /** Runs the fixed newstyle negotiation on {@code ch}; true when an export was chosen. */
    public static boolean negotiate(ByteChannel ch, Map<String, NbdExport> exports, int maxPayload) throws IOException {
        return new NbdHandshake(ch, exports, maxPayload).negotiate() != null;
    }

    /** A server-side connection on {@code ch}: {@code run()} serves it until the client goes. */
    public static Runnable connection(SocketChannel ch, NbdServer server, int maxPayload, int maxInFlight) {
        return new NbdConnection(ch, server, maxPayload, maxInFlight);
    }

    /** Off-heap bytes held by the reply buffers of all connections. */
    public static long replyBufferBytes() {
        return ReplyBuffer.LIVE_BYTES.get();
    }
}
