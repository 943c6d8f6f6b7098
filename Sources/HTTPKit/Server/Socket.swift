#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few POSIX socket calls the server makes, in one place.
enum Socket {
    /// A non-blocking listening TCP socket bound to host:port. `host` is a
    /// numeric IPv4 or IPv6 address or a name ("localhost"); "::" listens on
    /// IPv6 and, dual-stack, on IPv4 too. Returns the descriptor and the bound
    /// port (the kernel's choice when `port` is 0).
    static func listen(host: String, port: Int, backlog: Int32) throws(SocketError) -> (fd: Int32, port: Int) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_flags = AI_PASSIVE
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw SocketError("resolve \(host): \(String(cString: gai_strerror(status)))", errno: EINVAL)
        }
        defer { freeaddrinfo(list) }
        let info = first.pointee
        let fd = socket(info.ai_family, info.ai_socktype, info.ai_protocol)
        guard fd >= 0 else { throw SocketError("socket", errno: errno) }
        var one: Int32 = 1, zero: Int32 = 0
        // SO_REUSEADDR: a restarted server can bind while old connections sit in TIME_WAIT.
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if info.ai_family == AF_INET6 {
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &zero, socklen_t(MemoryLayout<Int32>.size))
        }
        guard bind(fd, info.ai_addr, info.ai_addrlen) == 0 else {
            let error = SocketError("bind \(host):\(port)", errno: errno)
            close(fd)
            throw error
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let error = SocketError("listen", errno: errno)
            close(fd)
            throw error
        }
        setNonBlocking(fd)
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, address(of: storage).port)
    }

    static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL, 0)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    /// Accepts one connection: nil with EAGAIN when none is pending.
    static func accept(_ listener: Int32) -> Result<(fd: Int32, peer: IPAddress?), SocketError>? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(listener, $0, &length) }
        }
        if fd < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK { return nil }
            return .failure(SocketError("accept", errno: errno))
        }
        setNonBlocking(fd)
        var one: Int32 = 1
        // Responses are written whole; Nagle would only delay the last segment.
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return .success((fd, address(of: storage).address))
    }

    static func address(of storage: sockaddr_storage) -> (address: IPAddress?, port: Int) {
        var storage = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafeBytes(of: &storage) { raw in
                let v4 = raw.load(as: sockaddr_in.self)
                let bytes = withUnsafeBytes(of: v4.sin_addr) { Array($0) }
                return (IPAddress(bytes: bytes), Int(UInt16(bigEndian: v4.sin_port)))
            }
        case AF_INET6:
            return withUnsafeBytes(of: &storage) { raw in
                let v6 = raw.load(as: sockaddr_in6.self)
                let bytes = withUnsafeBytes(of: v6.sin6_addr) { Array($0) }
                return (IPAddress(bytes: bytes), Int(UInt16(bigEndian: v6.sin6_port)))
            }
        default:
            return (nil, 0)
        }
    }

    enum PendingInput { case data, nothing, closed }

    /// Whether bytes wait in the receive buffer, without consuming them.
    static func pendingInput(_ fd: Int32) -> PendingInput {
        var byte: UInt8 = 0
        while true {
            let count = recv(fd, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT))
            if count > 0 { return .data }
            if count == 0 { return .closed }
            if errno == EINTR { continue }
            return errno == EAGAIN || errno == EWOULDBLOCK ? .nothing : .closed
        }
    }

    /// send(2) without SIGPIPE on a closed peer.
    static func send(_ fd: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.send(fd, pointer, count, Int32(MSG_NOSIGNAL))
        #else
        Darwin.send(fd, pointer, count, 0)
        #endif
    }
}
