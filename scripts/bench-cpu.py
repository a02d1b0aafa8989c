#!/usr/bin/env python3
"""bench-cpu.py [--sent] FILE...: from bench-cpu.sh samples, per burst of traffic (> 50 MB/s, bursts split by idle gaps,
bursts under 0.2 GB left out): SUT CPU seconds per GB, rate, bytes per frame (super-frames) and per ACK frame in the
other direction, and CPU seconds of each loop thread. By default the traffic is toward the SUT (the kernel's tap0 TX:
upload, parallel); --sent takes the traffic the SUT sends instead (tap0 RX: download)."""
import sys
args=sys.argv[1:]
sent='--sent' in args
files=[a for a in args if a!='--sent']
# bench-cpu.sh columns: time utime stime tx_bytes rx_bytes tx_packets rx_packets loop-ticks...
data, frames, acks = (4, 6, 5) if sent else (3, 5, 6)
for f in files:
    rows=[list(map(float,l.split())) for l in open(f) if len(l.split())>=5]
    bursts=[]; cur=None
    for a,b in zip(rows,rows[1:]):
        dt=b[0]-a[0]; dd=b[data]-a[data]
        if dt>0 and dd/dt>50e6:
            if cur is None: cur=[0,0,0,0,0,[0]*(len(b)-7)]; bursts.append(cur)
            cur[0]+=(b[1]+b[2]-a[1]-a[2])/100; cur[1]+=dd; cur[2]+=dt
            if len(a)>=7: cur[3]+=b[frames]-a[frames]; cur[4]+=b[acks]-a[acks]
            if len(a)==len(b) and len(cur[5])==len(b)-7: cur[5]=[x+(b[7+i]-a[7+i])/100 for i,x in enumerate(cur[5])]
        else: cur=None
    print(f, " ".join(f"[{c/(by/1e9):.3f} s/GB {by*8/t/1e9:.1f}Gb/s {by/max(fi,1)/1e3:.0f}kB/frame {by/max(ac,1)/1e3:.0f}kB/ack loops {'/'.join(f'{x:.2f}' for x in lp)}s]" for c,by,t,fi,ac,lp in bursts if by>2e8))
